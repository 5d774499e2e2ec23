; Inno Setup 6 script for SDS Desktop: per-user install of the PyInstaller bundle.
;
; Built by packaging/build.py on Windows, which passes the defines below:
;   ISCC.exe /DAppVersion=0.1.0 /DBundleDir=...\dist\sds-desktop /DOutputDir=...\dist
;            /DIconFile=...\build\icons\sds-desktop.ico packaging\windows\sds-desktop.iss
; Result: dist\SDS-Desktop-<version>-setup.exe
;
; Per-user (no admin prompt): installs to %LOCALAPPDATA%\Programs\SDS Desktop, a Start-menu
; entry for the user, an uninstaller in "Apps & features". No file associations, no
; desktop icon unless ticked. User data (%APPDATA%\SDS Desktop, keyring entries) is kept
; on uninstall, like other apps; the user removes it from the app (Sign out) or by hand.

#ifndef AppVersion
  #error AppVersion must be defined (ISCC /DAppVersion=x.y.z)
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\sds-desktop"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\sds-desktop.ico"
#endif

#define AppName "SDS Desktop"
#define AppExe "sds-desktop.exe"

[Setup]
; AppId identifies the app for upgrades/uninstall: never change it.
AppId={{6F0C2D3E-5B7A-4C1E-9F4B-2A8D7E1C5B90}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=SDS Desktop developers
AppPublisherURL=https://sds.crc.nd.edu
AppSupportURL=https://sds.crc.nd.edu
VersionInfoVersion={#AppVersion}
; per-user install, no elevation
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=SDS-Desktop-{#AppVersion}-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no
ChangesAssociations=no
; Code signing of the installer and uninstaller: see packaging/README.md. With a
; "signtool" sign tool configured in the Inno Setup IDE/command line (/Ssigntool=...),
; uncomment:
; SignTool=signtool
; SignedUninstaller=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; the whole one-folder bundle (sds-desktop.exe + _internal\)
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "Transfer files to and from the SpectrumX Data System"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent


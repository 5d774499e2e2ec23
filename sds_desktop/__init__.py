"""SDS Desktop: desktop transfer client for the SpectrumX Data System."""

"""Qt-free client core for the SDS Gateway: the SDK API, streamed and verified."""

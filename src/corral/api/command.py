"""What operations yield (``pyinfra.api.command``)."""

from corral.model.command import (
    FileDownloadCommand,
    FileUploadCommand,
    FunctionCommand,
    MaskString,
    QuoteString,
    StringCommand,
    make_formatted_string_command,
)

__all__ = [
    "FileDownloadCommand",
    "FileUploadCommand",
    "FunctionCommand",
    "MaskString",
    "QuoteString",
    "StringCommand",
    "make_formatted_string_command",
]

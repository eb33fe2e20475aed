"""The one header that makes a browser save a response as a file, for every download."""


def attachment(filename: str) -> dict[str, str]:
    """Return the headers of a download saved as `filename` (ASCII: codes, dates, formats)."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}

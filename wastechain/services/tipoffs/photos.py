"""The photos of tip-offs: checked by their content, kept as files outside the database, named by their SHA-256.

A photo is accepted only when Pillow reads it as JPEG, PNG or WebP from its own bytes (the magic numbers and a full
verify), whatever name or type the browser claimed, and when it is no larger than TIPOFF_PHOTO_MAX_BYTES. Its file
is DIR/ab/abcdef… (the hex SHA-256 of its bytes, first two characters as a folder), written once through a temporary
file and a rename, so a half-written file never carries a hash name and the same photo sent twice is stored once.
The database keeps the hash, the type and the size; a file written for a tip-off whose transaction then failed is
left behind unreferenced (harmless: no page serves a file without its row).
"""
import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PHOTOS = 3


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    sha256: str
    content_type: str


def check_photos(photos: list[bytes], *, max_bytes: int) -> list[CheckedPhoto]:
    """The photos as they may be kept (empty file fields dropped), or ValidationFailed naming the problem."""
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(N_("最多上传 {max} 张照片"), params={"max": MAX_PHOTOS}, details={"photos": "too many"})
    return [_checked(number, data, max_bytes) for number, data in enumerate(photos, start=1)]


def _checked(number: int, data: bytes, max_bytes: int) -> CheckedPhoto:
    if len(data) > max_bytes:
        raise ValidationFailed(N_("第 {number} 张照片超过 {mb} MB"), params={"number": number, "mb": _mb(max_bytes)},
                               details={"photos": f"photo {number} larger than {max_bytes} bytes"})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a pixel bomb is refused, not decoded
            with Image.open(io.BytesIO(data), formats=list(CONTENT_TYPES)) as image:
                kind = image.format
                image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError):
        raise ValidationFailed(N_("第 {number} 张照片不是 JPEG、PNG 或 WebP 图片"), params={"number": number},
                               details={"photos": f"photo {number} is not a JPEG, PNG or WebP image"}) from None
    return CheckedPhoto(data=data, sha256=hashlib.sha256(data).hexdigest(), content_type=CONTENT_TYPES[kind])


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


def path_of(directory: str, sha256: str) -> Path:
    return Path(directory) / sha256[:2] / sha256


def store(directory: str, photo: CheckedPhoto) -> None:
    """Writes the photo's file unless a file of that hash is there already."""
    target = path_of(directory, photo.sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(photo.data)
        os.chmod(temporary, 0o640)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""An upload handler that hashes a file while it streams in and keeps none of it."""

import hashlib

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class HashedFile(UploadedFile):
    """What is left of an upload: its name, size and SHA-256 (no content)."""

    def __init__(self, name, size, sha256):
        super().__init__(file=None, name=name, size=size)
        self.sha256 = sha256


class HashingUploadHandler(FileUploadHandler):
    """Hashes each uploaded file chunk by chunk; no byte reaches memory beyond a chunk, or disk.

    Past `max_bytes` the upload stops (the rest of the request body is read and dropped) and
    `too_large` is set for the view to say so.
    """

    def __init__(self, max_bytes, request=None):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.too_large = False
        self.digest = None
        self.size = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.max_bytes:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        self.digest.update(raw_data)
        return None  # nothing is passed on to another handler: the bytes are dropped here

    def file_complete(self, file_size):
        return HashedFile(self.file_name, self.size, self.digest.hexdigest())

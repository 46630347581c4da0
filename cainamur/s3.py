"""Media in an S3-compatible bucket (``CAI_STORAGE=s3``), encrypted before upload.

The bucket only ever receives what ``EncryptedFileSystemStorage`` would write to disk: the
``FILE_MAGIC`` line and a Fernet token under ``CAI_DATA_KEYS``. The bucket's provider
(and anyone reading the bucket) sees random names and ciphertext; reading needs the keys,
which stay on the application's servers. Objects are never public: no ACL is set, no
address is signed for a browser (files are served only through the views that check the
file's scope), every object is typed ``application/octet-stream``.

Configured from ``CAI_S3_BUCKET``, ``CAI_S3_ENDPOINT_URL`` (any S3-compatible service),
``CAI_S3_REGION`` and ``CAI_S3_PREFIX``; credentials come from the standard AWS
variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``) or the machine's role, read
by boto3. The tests run it against moto's server, a stand-in for a real bucket.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage

from cainamur.crypto import EncryptedStorageMixin


@deconstructible
class EncryptedS3Storage(EncryptedStorageMixin, S3Storage):
    def get_default_settings(self) -> dict[str, object]:
        defaults = dict(super().get_default_settings())
        defaults.update(
            # Never overwrite a file of the same name: the disk storage's behaviour
            # (another random suffix), which the services rely on.
            file_overwrite=False,
            default_acl=None,
            querystring_auth=False,
            object_parameters={"ContentType": "application/octet-stream"},
        )
        return defaults

    def replace_stored(self, name: str, stored: bytes) -> None:
        # S3Storage's own _save: the bytes are already what is to be kept (one PUT, which
        # S3 applies whole or not at all).
        S3Storage._save(self, name, ContentFile(stored))

    def stored_names(self) -> Iterator[str]:
        prefix = self._normalize_name("")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        paginator = self.connection.meta.client.get_paginator("list_objects_v2")
        names = []
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix):
            names += [entry["Key"][len(prefix) :] for entry in page.get("Contents", ())]
        yield from sorted(name for name in names if name and not name.endswith("/"))

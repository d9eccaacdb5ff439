"""S3Storage: the Storage interface on an S3 bucket (AWS, MinIO, Ceph, moto...).

Objects are content-addressed as in LocalStorage: ``<prefix>/<sha[:2]>/<sha>``. The
endpoint, region and keys are the usual AWS variables, read by boto3 itself
(AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...).
Only this module imports boto3, and only competitions.storage.open_storage imports
this module, for an s3:// URL: a site on local storage never loads boto3.

Every failure to reach or use the bucket becomes StorageUnavailable with a sentence
for the operator (the web app answers 503 with it); a missing object is
FileNotFoundError, as for a local file.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .storage import CHUNK, HEX, StorageUnavailable, StoredFile, check_digest

# Reads of stored files spool to memory up to this size, then to a temporary file.
SPOOL_IN_MEMORY = 2 << 20
# Files larger than this go up in parts of this size, two at a time.
PART_SIZE = 8 << 20

# The variables that choose the client; a change (tests set them) makes a new client.
_CLIENT_ENV = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE",
               "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_MAX_ATTEMPTS",
               "AWS_RETRY_MODE")
_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def shared_client():
    """This process's S3 client (boto3 clients are thread-safe; making one is not, hence the lock).
    Keyed by the process id too: a client made before a fork is never used in the child."""
    key = (os.getpid(), *(os.environ.get(name) for name in _CLIENT_ENV))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _make_client()
    return client


def _make_client():
    import boto3

    custom_endpoint = bool(os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"))
    config = Config(
        connect_timeout=5, read_timeout=60,
        retries={"max_attempts": _attempts(),
                 "mode": os.environ.get("AWS_RETRY_MODE") or "standard"},
        # MinIO, Ceph and moto on a host name or IP address serve buckets as paths, not subdomains.
        s3={"addressing_style": "path"} if custom_endpoint else None,
    )
    return boto3.session.Session().client("s3", config=config)


def _attempts() -> int:
    raw = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 3


def parse_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ("bucket", "some/prefix"); ValueError when no bucket is named."""
    if not url.startswith("s3://"):
        raise ValueError(f"an S3 storage URL starts with s3://, got {url!r}")
    bucket, _, prefix = url[len("s3://"):].partition("/")
    if not bucket:
        raise ValueError(f"an S3 storage URL names a bucket, as in s3://bucket/prefix, got {url!r}")
    return bucket, prefix.strip("/")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Storage:
    def __init__(self, bucket: str, prefix: str = "", client=None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client

    @classmethod
    def from_url(cls, url: str) -> S3Storage:
        bucket, prefix = parse_url(url)
        return cls(bucket, prefix)

    @property
    def client(self):
        # Looked up on use, not at construction: a storage object made in a parent process
        # (or at import) still gets the current process's client.
        return self._client if self._client is not None else shared_client()

    def __repr__(self) -> str:
        return f"S3Storage({self.describe()!r})"

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _key(self, sha256: str) -> str:
        check_digest(sha256)
        return f"{self.prefix}/{sha256[:2]}/{sha256}" if self.prefix else f"{sha256[:2]}/{sha256}"

    def _unavailable(self, exc: Exception) -> StorageUnavailable:
        """One operator-facing sentence for anything that stops us using the bucket."""
        where = f"{self.describe()} at {self.client.meta.endpoint_url}"
        if isinstance(exc, S3UploadFailedError) and isinstance(exc.__context__, ClientError):
            exc = exc.__context__  # s3transfer wraps the client's error in its own
        if isinstance(exc, ClientError):
            code = _code(exc)
            if code in ("NoSuchBucket", "404"):
                return StorageUnavailable(f"The S3 bucket {self.bucket!r} does not exist ({where}): create it, "
                                          "or fix HOLDOUT_STORAGE_URL.")
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                return StorageUnavailable(f"S3 refused access to {where} ({code}): check AWS_ACCESS_KEY_ID, "
                                          "AWS_SECRET_ACCESS_KEY and the bucket's policy.")
            return StorageUnavailable(f"S3 answered {code or 'an error'} for {where}: {exc}")
        if isinstance(exc, NoCredentialsError):
            return StorageUnavailable(f"No AWS credentials for {where}: set AWS_ACCESS_KEY_ID and "
                                      "AWS_SECRET_ACCESS_KEY (or give the host an IAM role).")
        return StorageUnavailable(f"The S3 storage {where} cannot be reached: {exc}")

    # -- the Storage interface --------------------------------------------------------------

    def put(self, stream: BinaryIO) -> StoredFile:
        """Stream to a temporary file while hashing, then upload it under its hash.

        The temporary file, not memory, holds the upload, and it is uploaded by its name:
        s3transfer then reads each part from disk as it sends it, where from a file object it
        would first read whole 8 MB parts into memory (measured: 5 MB peak for 20 MB, against
        26 MB). A file already stored is not sent again, only touched, so its
        modification time is fresh and ``storage gc`` keeps it through its grace period
        while the caller's row is not yet committed (the same as LocalStorage's rename)."""
        digest, size = hashlib.sha256(), 0
        with tempfile.NamedTemporaryFile(prefix="holdout-upload-") as spool:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
            sha = digest.hexdigest()
            key = self._key(sha)
            try:
                if self._head(key) is not None:
                    self._touch(key, sha)
                else:
                    spool.flush()
                    self.client.upload_file(spool.name, self.bucket, key, ExtraArgs={"Metadata": {"sha256": sha}},
                                            Config=_transfer_config())
            except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
                raise self._unavailable(exc) from exc
        return StoredFile(sha, size)

    def open(self, sha256: str) -> BinaryIO:
        """A readable, seekable copy of the object: spooled to memory, then to a temporary file
        once larger than SPOOL_IN_MEMORY (the scorer seeks; an HTTP body cannot)."""
        key = self._key(sha256)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                raise FileNotFoundError(f"no stored file {sha256}") from None
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="holdout-read-")
        body = response["Body"]
        try:
            for chunk in body.iter_chunks(CHUNK):
                spool.write(chunk)
        except (BotoCoreError, ClientError, OSError) as exc:
            spool.close()
            raise self._unavailable(exc) from exc
        finally:
            body.close()
        spool.seek(0)
        return spool

    def exists(self, sha256: str) -> bool:
        key = self._key(sha256)
        try:
            if self._head(key) is not None:
                return True
            # HEAD answers a bare 404 for a missing bucket too: tell the two apart.
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(exc) from exc
        return False

    def check(self) -> None:
        """StorageUnavailable unless the bucket exists and these credentials may use it."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(exc) from exc

    # -- housekeeping (competitions/housekeeping.py) ----------------------------------------

    def delete(self, sha256: str) -> int:
        """Remove a stored object; its size, or 0 if it was not there."""
        key = self._key(sha256)
        try:
            head = self._head(key)
            if head is None:
                return 0
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(exc) from exc
        return int(head["ContentLength"])

    def blobs(self) -> Iterator[tuple[str, int, float]]:
        """(sha256, size, mtime) of every stored object under the prefix; other keys are ignored."""
        root = f"{self.prefix}/" if self.prefix else ""
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=root):
                for obj in page.get("Contents", ()):
                    folder, _, name = obj["Key"][len(root):].partition("/")
                    if len(name) == 64 and set(name) <= HEX and name[:2] == folder:
                        yield name, int(obj["Size"]), _timestamp(obj["LastModified"])
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(exc) from exc

    def temp_files(self) -> Iterator[tuple[Path, int, float]]:
        """None: an upload becomes an object all at once or not at all. (Parts of an aborted
        multipart upload are S3's to expire: see docs/deploy.md, the lifecycle rule.)"""
        return iter(())

    # -- helpers ----------------------------------------------------------------------------

    def _head(self, key: str) -> dict | None:
        """The object's metadata, or None when there is no such object (or no such bucket)."""
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def _touch(self, key: str, sha256: str) -> None:
        """Refresh the object's modification time with a server-side copy onto itself (no upload)."""
        self.client.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": key},
                                MetadataDirective="REPLACE", Metadata={"sha256": sha256})


def _transfer_config():
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=2)


def _timestamp(value) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    return float(value)

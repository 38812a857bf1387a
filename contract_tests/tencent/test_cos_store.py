"""COS as real programs use it, through cos-python-sdk-v5: ACLs, tags, metadata, copies, buckets and the service,
client-side encryption — and no sub-resource ever taken for another operation."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from qcloud_cos.cos_exception import CosServiceError

from contract_tests.tencent.conftest import BUCKET, REGION, make_cos
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
BODY = b"the bytes that must never change" * 10


def body_of(cos: Any, key: str, bucket: str = BUCKET) -> bytes:
    data: bytes = cos.get_object(Bucket=bucket, Key=key)["Body"].get_raw_stream().read()
    return data


def error_of(call: Any) -> tuple[int, str]:
    with pytest.raises(CosServiceError) as err:
        call()
    return err.value.get_status_code(), err.value.get_error_code()


def test_acl_and_tagging_never_touch_the_bytes(cos: Any) -> None:
    cos.put_object(Bucket=BUCKET, Key="doc/a.bin", Body=BODY)
    cos.put_object_acl(Bucket=BUCKET, Key="doc/a.bin", ACL="public-read")
    assert body_of(cos, "doc/a.bin") == BODY
    acl = cos.get_object_acl(Bucket=BUCKET, Key="doc/a.bin")
    assert acl["CannedACL"] == "public-read"
    assert {g["Permission"] for g in acl["AccessControlList"]["Grant"]} == {"FULL_CONTROL", "READ"}
    cos.put_object_tagging(Bucket=BUCKET, Key="doc/a.bin",
                           Tagging={"TagSet": {"Tag": [{"Key": "team", "Value": "asr"}, {"Key": "k2", "Value": ""}]}})
    assert body_of(cos, "doc/a.bin") == BODY
    tags = cos.get_object_tagging(Bucket=BUCKET, Key="doc/a.bin")["TagSet"]["Tag"]
    assert [(t["Key"], t.get("Value") or "") for t in tags] == [("team", "asr"), ("k2", "")]
    assert cos.head_object(Bucket=BUCKET, Key="doc/a.bin")["x-cos-tagging-count"] == "2"
    cos.delete_object_tagging(Bucket=BUCKET, Key="doc/a.bin")
    assert "Tag" not in (cos.get_object_tagging(Bucket=BUCKET, Key="doc/a.bin").get("TagSet") or {})
    assert body_of(cos, "doc/a.bin") == BODY
    assert error_of(lambda: cos.get_object_acl(Bucket=BUCKET, Key="doc/none.bin")) == (404, "NoSuchKey")


def test_other_sub_resources_are_not_implemented_and_change_nothing(emulator: ControlClient) -> None:
    from qcloud_cos import CosConfig, CosS3Client

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    cos = CosS3Client(CosConfig(Region=REGION, SecretId=SECRET_ID, SecretKey=SECRET_KEY, Scheme="http",
                                Proxies={"http": emulator.url}), retry=1)      # a 5xx is retried otherwise
    cos.put_object(Bucket=BUCKET, Key="doc/b.bin", Body=BODY)
    assert error_of(lambda: cos.restore_object(Bucket=BUCKET, Key="doc/b.bin",
                                               RestoreRequest={"Days": 1})) == (501, "NotImplemented")
    assert error_of(lambda: cos.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRule": [{
        "AllowedOrigin": "*", "AllowedMethod": "GET"}]})) == (501, "NotImplemented")
    assert body_of(cos, "doc/b.bin") == BODY


def test_metadata_on_simple_multipart_and_copied_objects(cos: Any, tmp_path: Any) -> None:
    cos.put_object(Bucket=BUCKET, Key="m/a.txt", Body=b"hello", ContentType="text/plain",
                   CacheControl="max-age=60", ContentDisposition="attachment; filename=a.txt",
                   Metadata={"x-cos-meta-who": "me"})
    head = cos.head_object(Bucket=BUCKET, Key="m/a.txt")
    assert (head["Content-Type"], head["Cache-Control"], head["x-cos-meta-who"]) == (
        "text/plain", "max-age=60", "me")
    assert head["Content-Disposition"] == "attachment; filename=a.txt"
    got = cos.get_object(Bucket=BUCKET, Key="m/a.txt", ResponseCacheControl="no-cache",
                         ResponseContentType="application/json")
    assert (got["Cache-Control"], got["Content-Type"]) == ("no-cache", "application/json")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(2_300_000))
    cos.upload_file(Bucket=BUCKET, Key="m/big.bin", LocalFilePath=str(big), PartSize=1,
                    Metadata={"x-cos-meta-kind": "multipart"}, CacheControl="no-store")
    head = cos.head_object(Bucket=BUCKET, Key="m/big.bin")
    assert (head["x-cos-meta-kind"], head["Cache-Control"]) == ("multipart", "no-store")
    assert body_of(cos, "m/big.bin") == big.read_bytes()
    source = {"Bucket": BUCKET, "Key": "m/a.txt", "Region": REGION}
    copied = cos.copy_object(Bucket=BUCKET, Key="m/copy of a.txt", CopySource=source)
    assert copied["ETag"]
    head = cos.head_object(Bucket=BUCKET, Key="m/copy of a.txt")
    assert (head["x-cos-meta-who"], head["Cache-Control"]) == ("me", "max-age=60")
    cos.copy_object(Bucket=BUCKET, Key="m/replaced.txt", CopySource=source, CopyStatus="Replaced",
                    Metadata={"x-cos-meta-who": "you"})
    assert cos.head_object(Bucket=BUCKET, Key="m/replaced.txt")["x-cos-meta-who"] == "you"
    assert body_of(cos, "m/replaced.txt") == b"hello"


@pytest.mark.parametrize("provider", ["aes", "rsa"])
def test_client_side_encryption_round_trips(emulator: ControlClient, provider: str, tmp_path: Any) -> None:
    """CosEncryptionClient keeps its envelope in x-cos-meta-client-side-encryption-*: simple and multipart."""
    from qcloud_cos import CosConfig
    from qcloud_cos.cos_encryption_client import CosEncryptionClient
    from qcloud_cos.crypto import AESProvider, RSAKeyPair, RSAProvider

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    if provider == "aes":
        crypto: Any = AESProvider(aes_key=base64.b64encode(os.urandom(32)).decode())
    else:
        from Crypto.PublicKey import RSA

        key = RSA.generate(2048)
        crypto = RSAProvider(key_pair_info=RSAKeyPair(key.publickey().export_key().decode(),
                                                      key.export_key().decode()))
    emulator.lifecycle("instant")
    config = CosConfig(Region=REGION, SecretId=SECRET_ID, SecretKey=SECRET_KEY, Scheme="http",
                       Proxies={"http": emulator.url})
    client = CosEncryptionClient(config, crypto)
    client.put_object(Bucket=BUCKET, Key="secret/small.txt", Body=b"plain words")
    small = tmp_path / "small.txt"
    client.get_object(Bucket=BUCKET, Key="secret/small.txt")["Body"].get_stream_to_file(str(small))
    assert small.read_bytes() == b"plain words"
    plain = make_cos(emulator)
    assert body_of(plain, "secret/small.txt") != b"plain words"          # stored encrypted
    # multipart as the SDK's own tests do it: parts in order (the client's cipher runs on from part to part)
    data = os.urandom(2_500_000)
    upload_id = client.create_multipart_upload(Bucket=BUCKET, Key="secret/big.bin")["UploadId"]
    parts = []
    for number, start in enumerate(range(0, len(data), 1024 * 1024), 1):
        sent = client.upload_part(Bucket=BUCKET, Key="secret/big.bin", Body=data[start:start + 1024 * 1024],
                                  PartNumber=number, UploadId=upload_id)
        parts.append({"PartNumber": number, "ETag": sent["ETag"]})
    client.complete_multipart_upload(Bucket=BUCKET, Key="secret/big.bin", UploadId=upload_id,
                                     MultipartUpload={"Part": parts})
    out = tmp_path / "out.bin"
    client.get_object(Bucket=BUCKET, Key="secret/big.bin")["Body"].get_stream_to_file(str(out))
    assert out.read_bytes() == data


def test_buckets_and_the_service(cos: Any, emulator: ControlClient) -> None:
    other = "mybucket-1250000000"
    assert cos.bucket_exists(Bucket=other) is False
    assert error_of(lambda: cos.delete_bucket(Bucket=other)) == (404, "NoSuchBucket")
    cos.create_bucket(Bucket=other)
    assert cos.bucket_exists(Bucket=other) is True
    assert error_of(lambda: cos.create_bucket(Bucket=other)) == (409, "BucketAlreadyOwnedByYou")
    cos.put_object(Bucket=other, Key="x.txt", Body=b"x")
    names = [b["Name"] for b in cos.list_buckets()["Buckets"]["Bucket"]]
    assert other in names
    assert error_of(lambda: cos.delete_bucket(Bucket=other)) == (409, "BucketNotEmpty")
    cos.put_object(Bucket=other, Key="y.txt", Body=b"y")
    deleted = cos.delete_objects(Bucket=other, Delete={"Object": [{"Key": "x.txt"}, {"Key": "y.txt"},
                                                                 {"Key": "never.txt"}], "Quiet": "false"})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["never.txt", "x.txt", "y.txt"]
    cos.delete_bucket(Bucket=other)
    assert cos.bucket_exists(Bucket=other) is False
    # a bucket used without being made (as one made in the console) is accepted, and said
    cos.put_object(Bucket="console-1250000000", Key="a.txt", Body=b"a")
    rules = {(w["vendor"], w["rule"]) for w in emulator.warnings()["accepted"]}
    assert ("tencent_ci", "unknown_bucket") in rules
    emulator.settings(strict=True)
    strict = make_cos(emulator)
    assert error_of(lambda: strict.put_object(Bucket="never-1250000000", Key="a", Body=b"a")) == (404, "NoSuchBucket")


def test_the_tencentcos_cn_domain_reaches_the_same_bucket(emulator: ControlClient) -> None:
    """``<bucket>.cos.<region>.tencentcos.cn`` is COS's other public domain: the SDKs use it when told to
    (``EnableOldDomain=False``) and fall back to it when the myqcloud.com domain fails (``AutoSwitchDomainOnRetry``,
    the Node.js SDK's ``AutoSwitchHost``). Both domains name one bucket."""
    new = make_cos(emulator, EnableOldDomain=False, EnableInternalDomain=False)
    internal = make_cos(emulator, EnableOldDomain=False)          # cos-internal.<region>.tencentcos.cn
    old = make_cos(emulator)
    new.put_object(Bucket=BUCKET, Key="domains/a.txt", Body=BODY)
    assert new._conf.uri(bucket=BUCKET, path="a").startswith(f"http://{BUCKET}.cos.{REGION}.tencentcos.cn/")
    assert internal._conf.uri(bucket=BUCKET, path="a").startswith(f"http://{BUCKET}.cos-internal.{REGION}.")
    assert body_of(old, "domains/a.txt") == BODY
    assert body_of(new, "domains/a.txt") == BODY
    assert body_of(internal, "domains/a.txt") == BODY

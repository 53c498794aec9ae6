"""
Alibaba Cloud ECS through two official Python SDKs, unchanged: `alibabacloud_ecs20140526` (Tea
OpenAPI, ACS3-HMAC-SHA256, which signs every header it sends, Host with its port) pointed at the
emulator with `endpoint="127.0.0.1:PORT", protocol="http"`, and the legacy
`aliyun-python-sdk-core` (RPC signature, HMAC-SHA1 over the query) with the same endpoint.
"""
import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.utils import Utils
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest as LegacyDescribeInstances

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET

REGION = "cn-hangzhou"


def client(emu, secret=ACCESS_KEY_SECRET):
    config = open_api_models.Config(access_key_id=ACCESS_KEY_ID, access_key_secret=secret, endpoint=emu.host, protocol="http", region_id=REGION)
    return EcsClient(config)


def run_instance(c, token=None):
    req = ecs_models.RunInstancesRequest(
        region_id=REGION,
        zone_id="cn-hangzhou-h",
        image_id="ubuntu_22_04_x64_20G_alibase_20240130.vhd",
        instance_type="ecs.t6-c1m2.large",
        password="Py-Sdk-Pass-123",
        internet_max_bandwidth_out=5,
        client_token=token,
        tag=[ecs_models.RunInstancesRequestTag(key="suite", value="sdk-python")],
    )
    return c.run_instances(req).body.instance_id_sets.instance_id_set


def describe(c, instance_id):
    req = ecs_models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([instance_id]))
    return c.describe_instances(req).body.instances.instance


ALIYUN_STATUS = {"stopped": "Stopped"}


def test_create_describe_stop_start_delete(aliyun):
    c = client(aliyun)
    instance_id = aliyun.created_once(lambda token: run_instance(c, token))
    [inst] = describe(c, instance_id)
    tags = {t.tag_key: t.tag_value for t in inst.tags.tag}
    assert (inst.status, inst.instance_type, tags["suite"]) == ("Running", "ecs.t6-c1m2.large", "sdk-python")
    assert inst.public_ip_address.ip_address  # ECS gives one only to instances created with bandwidth

    def shown(state):
        assert [i.status for i in describe(c, instance_id)] == ([ALIYUN_STATUS[state]] if state in ALIYUN_STATUS else [])

    aliyun.cycle(
        instance_id,
        stop=lambda: c.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id)),
        start=lambda: c.start_instance(ecs_models.StartInstanceRequest(instance_id=instance_id)),
        delete=lambda: c.delete_instance(ecs_models.DeleteInstanceRequest(instance_id=instance_id, force=True)),
        shown=shown,
    )


def test_cloud_errors_surface_as_sdk_exceptions(aliyun):
    with pytest.raises(Exception) as refused:
        client(aliyun).start_instance(ecs_models.StartInstanceRequest(instance_id="i-doesnotexist0000000"))
    assert refused.value.code == "InvalidInstanceId.NotFound"
    assert refused.value.status_code == 404


def test_a_wrong_secret_is_the_auth_error(aliyun):
    with pytest.raises(Exception) as refused:
        client(aliyun, secret="not-the-Secret-9").describe_regions(ecs_models.DescribeRegionsRequest())
    assert refused.value.code == "SignatureDoesNotMatch"


def test_a_reused_nonce_is_refused(aliyun, monkeypatch):
    c = client(aliyun)
    monkeypatch.setattr(Utils, "get_nonce", staticmethod(lambda: "python-sdk-fixed-nonce"))
    c.describe_regions(ecs_models.DescribeRegionsRequest())
    with pytest.raises(Exception) as refused:
        c.describe_regions(ecs_models.DescribeRegionsRequest())
    assert refused.value.code == "SignatureNonceUsed"


def legacy_client(secret=ACCESS_KEY_SECRET):
    return AcsClient(ACCESS_KEY_ID, secret, REGION)


def legacy_describe(emu, instance_id):
    req = LegacyDescribeInstances()
    req.set_endpoint(emu.host)
    req.set_protocol_type("http")
    req.set_InstanceIds(json.dumps([instance_id]))
    return req


def test_the_legacy_rpc_sdk_reads_an_instance(aliyun):
    [instance_id] = run_instance(client(aliyun))
    aliyun.wait_for(instance_id, "running")
    body = json.loads(legacy_client().do_action_with_exception(legacy_describe(aliyun, instance_id)))
    assert [i["InstanceId"] for i in body["Instances"]["Instance"]] == [instance_id]
    assert body["Instances"]["Instance"][0]["Status"] == "Running"


def test_the_legacy_rpc_sdk_gets_the_auth_error(aliyun):
    with pytest.raises(ServerException) as refused:
        legacy_client(secret="not-the-Secret-9").do_action_with_exception(legacy_describe(aliyun, "i-x"))
    # The server says which string it signed; the SDK sees it is its own and names the cause.
    assert refused.value.get_error_code() == "InvalidAccessKeySecret"

"""
Tencent CVM through the official Python SDK (tencentcloud-sdk-python), unchanged, pointed at the
emulator as at any endpoint: `HttpProfile(endpoint="127.0.0.1:PORT", protocol="http")`. The SDK
signs the Host header with its port, checks `Content-Type: application/json` verbatim before it
reads an error, and signs neither the action nor a nonce — each of those is exercised here.
"""
import time

import pytest
from tencentcloud.common import abstract_client, credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client, models

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET

REGION = "ap-guangzhou"


def client(emu, secret=ACCESS_KEY_SECRET):
    profile = ClientProfile(httpProfile=HttpProfile(endpoint=emu.host, protocol="http"))
    return cvm_client.CvmClient(credential.Credential(ACCESS_KEY_ID, secret), REGION, profile)


def request(model, **fields):
    req = model()
    req.from_json_string(__import__("json").dumps(fields))
    return req


def run_instance(c, token=None):
    fields = {
        "Placement": {"Zone": "ap-guangzhou-3"},
        "InstanceType": "S5.MEDIUM4",
        "ImageId": "img-487zeit5",
        "InstanceChargeType": "POSTPAID_BY_HOUR",
        "LoginSettings": {"Password": "Py-Sdk-Pass-123"},
        "TagSpecification": [{"ResourceType": "instance", "Tags": [{"Key": "suite", "Value": "sdk-python"}]}],
    }
    if token:
        fields["ClientToken"] = token
    return c.RunInstances(request(models.RunInstancesRequest, **fields)).InstanceIdSet


def describe(c, instance_id):
    return c.DescribeInstances(request(models.DescribeInstancesRequest, InstanceIds=[instance_id])).InstanceSet


class PinnedClock:
    """The SDK's clock, held at one second: what makes two of its requests carry one signature."""

    def __init__(self, at):
        self.at = at

    def time(self):
        return self.at


TENCENT_STATE = {"stopped": "STOPPED"}


def test_create_describe_stop_start_terminate(tencent):
    c = client(tencent)
    instance_id = tencent.created_once(lambda token: run_instance(c, token))
    [inst] = describe(c, instance_id)
    tags = {t.Key: t.Value for t in inst.Tags}
    assert (inst.InstanceState, inst.InstanceType, tags["suite"]) == ("RUNNING", "S5.MEDIUM4", "sdk-python")

    def shown(state):
        assert [i.InstanceState for i in describe(c, instance_id)] == ([TENCENT_STATE[state]] if state in TENCENT_STATE else [])

    ids = [instance_id]
    tencent.cycle(
        instance_id,
        stop=lambda: c.StopInstances(request(models.StopInstancesRequest, InstanceIds=ids, StopType="SOFT_FIRST")),
        start=lambda: c.StartInstances(request(models.StartInstancesRequest, InstanceIds=ids)),
        delete=lambda: c.TerminateInstances(request(models.TerminateInstancesRequest, InstanceIds=ids)),
        shown=shown,
    )


def test_cloud_errors_surface_as_sdk_exceptions(tencent):
    c = client(tencent)
    with pytest.raises(TencentCloudSDKException) as refused:
        c.StartInstances(request(models.StartInstancesRequest, InstanceIds=["ins-00000000"]))
    assert refused.value.get_code() == "InvalidInstanceId.NotFound"
    assert refused.value.get_request_id()


def test_a_wrong_secret_is_the_auth_error(tencent):
    with pytest.raises(TencentCloudSDKException) as refused:
        client(tencent, secret="not-the-Secret-9").DescribeRegions(models.DescribeRegionsRequest())
    assert refused.value.get_code() == "AuthFailure.SignatureFailure"


@pytest.fixture
def running(tencent):
    c = client(tencent)
    [instance_id] = run_instance(c)
    tencent.wait_for(instance_id, "running")
    return c, instance_id


def pin_clock(monkeypatch, seconds_ago):
    monkeypatch.setattr(abstract_client, "time", PinnedClock(int(time.time()) - seconds_ago))


def after_grace():
    """Past the moment (3 s) in which an honest second call signed in the same second may still arrive."""
    time.sleep(3.2)


def test_a_replayed_request_is_refused(running, monkeypatch):
    c, instance_id = running
    pin_clock(monkeypatch, 10)  # both calls signed 10 s ago: the second is the first one's bytes again
    stop = request(models.StopInstancesRequest, InstanceIds=[instance_id])
    c.StopInstances(stop)
    after_grace()
    with pytest.raises(TencentCloudSDKException) as refused:
        c.StopInstances(stop)
    assert refused.value.get_code() == "AuthFailure.SignatureFailure"


def test_a_signature_replayed_as_another_action_is_refused(tencent, running, monkeypatch):
    c, instance_id = running
    # DescribeInstances and TerminateInstances of one id have the same body, so the same signature.
    pin_clock(monkeypatch, 10)
    assert len(describe(c, instance_id)) == 1
    after_grace()
    with pytest.raises(TencentCloudSDKException) as refused:
        c.TerminateInstances(request(models.TerminateInstancesRequest, InstanceIds=[instance_id]))
    assert refused.value.get_code() == "AuthFailure.SignatureFailure"
    assert tencent.instances()[instance_id]["state"] == "running"


def test_two_calls_signed_in_one_second_both_pass(tencent, running, monkeypatch):
    c, instance_id = running
    pin_clock(monkeypatch, 60)  # and a client clock a minute behind changes nothing
    assert describe(c, instance_id)[0].InstanceState == "RUNNING"
    c.StopInstances(request(models.StopInstancesRequest, InstanceIds=[instance_id]))
    tencent.wait_for(instance_id, "stopped")

// Drives an rdssim endpoint with two Node clients we did not write and
// prints what each saw as one JSON document on stdout, for TestNodeClients
// to assert. Environment: RDSSIM_ENDPOINT (http://127.0.0.1:PORT),
// ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET.
'use strict';

const RPCClient = require('@alicloud/pop-core').RPCClient;
const Rds = require('@alicloud/rds20140815');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const endpoint = process.env.RDSSIM_ENDPOINT;
const id = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
const secret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;

// errorOf keeps what a test asserts of a refused call.
function errorOf(err) {
  const data = err.data || {};
  return { code: err.code, statusCode: err.statusCode, requestId: data.RequestId, hostId: data.HostId, recommend: data.Recommend };
}

// The classic RPC client: v1 (HMAC-SHA1) signatures, GET query or POST form body.
async function popCore() {
  const client = (key) => new RPCClient({ accessKeyId: id, accessKeySecret: key, endpoint, apiVersion: '2014-08-15' });
  const c = client(secret);
  const out = {};
  const list = await c.request('DescribeDBInstances', { RegionId: 'cn-hangzhou', PageSize: 100 }, { method: 'GET' });
  out.list = list.Items.DBInstance.map((i) => i.DBInstanceId);
  const attr = await c.request('DescribeDBInstanceAttribute', { DBInstanceId: 'rm-pay' }, { method: 'POST' });
  const a = attr.Items.DBInstanceAttribute[0];
  out.describe = { id: a.DBInstanceId, version: a.EngineVersion, status: a.DBInstanceStatus };
  out.upgrade = [];
  for (let i = 0; i < 2; i++) {
    const r = await c.request('UpgradeDBInstanceEngineVersion',
      { DBInstanceId: 'rm-crm', EngineVersion: '5.6', ClientToken: 'node-pop-core', EffectiveTime: 'Immediate' }, { method: 'POST' });
    out.upgrade.push(String(r.TaskId));
  }
  try {
    await client('not-the-secret').request('DescribeDBInstances', { RegionId: 'cn-hangzhou' }, { method: 'POST' });
    out.wrongSecret = { code: 'none' };
  } catch (err) {
    out.wrongSecret = errorOf(err);
  }
  return out;
}

// The current generated SDK: v3 (ACS3-HMAC-SHA256) signatures.
async function rds20140815() {
  const client = (key) => new Rds.default(new $OpenApiUtil.Config({
    accessKeyId: id, accessKeySecret: key, endpoint: endpoint.replace(/^https?:\/\//, ''), protocol: 'http', regionId: 'cn-hangzhou',
  }));
  const c = client(secret);
  const out = {};
  const list = await c.describeDBInstances(new Rds.DescribeDBInstancesRequest({ regionId: 'cn-hangzhou', pageSize: 100 }));
  out.list = list.body.items.DBInstance.map((i) => i.DBInstanceId);
  const attr = await c.describeDBInstanceAttribute(new Rds.DescribeDBInstanceAttributeRequest({ DBInstanceId: 'rr-pay-1' }));
  const a = attr.body.items.DBInstanceAttribute[0];
  out.describe = { id: a.DBInstanceId, version: a.engineVersion, status: a.DBInstanceStatus };
  out.upgrade = [];
  for (let i = 0; i < 2; i++) {
    const r = await c.upgradeDBInstanceEngineVersion(new Rds.UpgradeDBInstanceEngineVersionRequest(
      { DBInstanceId: 'rr-pay-1', engineVersion: '5.6', clientToken: 'node-rds20140815', effectiveTime: 'Immediate' }));
    out.upgrade.push(String(r.body.taskId));
  }
  try {
    await client('not-the-secret').describeDBInstances(new Rds.DescribeDBInstancesRequest({ regionId: 'cn-hangzhou' }));
    out.wrongSecret = { code: 'none' };
  } catch (err) {
    out.wrongSecret = errorOf(err);
  }
  return out;
}

(async () => {
  const result = { popCore: await popCore(), rds20140815: await rds20140815() };
  process.stdout.write(JSON.stringify(result) + '\n');
})().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});

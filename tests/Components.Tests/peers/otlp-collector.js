// An OTLP/gRPC trace collector independent of River's code: grpc-js + proto-loader, loading the OTLP protos that
// @opentelemetry/otlp-grpc-exporter-base ships. Used by tests/Components.Tests/Otelcol to check what our exporter
// really puts on the wire.
//
// usage: node otlp-collector.js --out FILE [--port 0] [--tls-cert F --tls-key F] [--fail-first N] [--fail-code NAME]
//   prints "LISTENING <port>" once bound; every call is appended to FILE as one JSON line
//   {"call": n, "code": "OK" | "<grpc code name>", "metadata": {...}, "request": {...}} with ids as hex strings.
'use strict';
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const out = args.out;
if (!out) {
  console.error('--out FILE is required');
  process.exit(2);
}
const failFirst = Number(args['fail-first'] || 0);
const failCode = args['fail-code'] || 'UNAVAILABLE';
if (!(failCode in grpc.status)) {
  console.error('unknown grpc code ' + failCode);
  process.exit(2);
}

const protoRoot = path.join(path.dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build', 'protos');
const definition = loader.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', {
  includeDirs: [protoRoot],
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: false,
  oneofs: false,
});
const proto = grpc.loadPackageDefinition(definition);

// Buffers (trace_id, span_id, bytes values) become lower-case hex, as OTLP/JSON writes ids.
function plain(value) {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const result = {};
    for (const [k, v] of Object.entries(value)) result[k] = plain(v);
    return result;
  }
  return value;
}

let calls = 0;
function exportTraces(call, callback) {
  calls += 1;
  const n = calls;
  const failing = n <= failFirst;
  const line = {
    call: n,
    code: failing ? failCode : 'OK',
    metadata: call.metadata.getMap(),
    request: plain(call.request),
  };
  fs.appendFileSync(out, JSON.stringify(line) + '\n');
  if (failing) {
    callback({ code: grpc.status[failCode], details: 'test peer says ' + failCode + ' (call ' + n + ')' });
  } else {
    callback(null, {});
  }
}

const server = new grpc.Server();
server.addService(proto.opentelemetry.proto.collector.trace.v1.TraceService.service, { Export: exportTraces });
const credentials = args['tls-cert']
  ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: fs.readFileSync(args['tls-cert']), private_key: fs.readFileSync(args['tls-key']) }], false)
  : grpc.ServerCredentials.createInsecure();
server.bindAsync('127.0.0.1:' + (args.port || '0'), credentials, (error, port) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log('LISTENING ' + port);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));

// Sends spans with the OpenTelemetry JS SDK exporters (code independent of River) to test otelcol.receiver.otlp.
// usage: node send-spans.js grpc|http URL COUNT
//   grpc: URL = http://127.0.0.1:PORT        http: URL = http://127.0.0.1:PORT/v1/traces
// Exits 0 when the exporter reported success, 1 otherwise (the error is printed).
'use strict';
const api = require('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { Resource } = require('@opentelemetry/resources');

const [protocol, url, countText] = process.argv.slice(2);
const count = Number(countText || 1);
const Exporter = protocol === 'grpc'
  ? require('@opentelemetry/exporter-trace-otlp-grpc').OTLPTraceExporter
  : require('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter;
const exporter = new Exporter({ url });

let failed = null;
const wrapped = {
  export(spans, done) {
    exporter.export(spans, (result) => {
      if (result.code !== 0) failed = result.error || new Error('export failed');
      done(result);
    });
  },
  shutdown: () => exporter.shutdown(),
  forceFlush: () => (exporter.forceFlush ? exporter.forceFlush() : Promise.resolve()),
};

const provider = new BasicTracerProvider({ resource: new Resource({ 'service.name': 'node-peer', 'peer.protocol': protocol }) });
provider.addSpanProcessor(new BatchSpanProcessor(wrapped, { maxExportBatchSize: 512, scheduledDelayMillis: 50 }));
const tracer = provider.getTracer('node-scope', '2.0.0');
for (let i = 0; i < count; i++) {
  const span = tracer.startSpan('node-op-' + i, { kind: api.SpanKind.CLIENT, attributes: { 'peer.index': i, 'peer.name': 'n' + i } });
  span.addEvent('node-event', { 'event.index': i });
  span.setStatus({ code: api.SpanStatusCode.OK });
  span.end();
}
provider.forceFlush()
  .then(() => provider.shutdown())
  .then(() => {
    if (failed) {
      console.error(String(failed && failed.message ? failed.message : failed));
      process.exit(1);
    }
    console.log('SENT ' + count);
  })
  .catch((error) => {
    console.error(error.message);
    process.exit(1);
  });

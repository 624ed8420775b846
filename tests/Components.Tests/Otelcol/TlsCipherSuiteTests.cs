using River.Tests.Pipelines;
using Xunit.Abstractions;

namespace River.Tests.Otelcol;

/// <summary><c>tls { cipher_suites = […] }</c> is applied on both ends: matching TLS 1.2 suites connect, disjoint ones do not.</summary>
public sealed class TlsCipherSuiteTests(ITestOutputHelper output)
{
    private static string Config(TestCa ca, int inPort, int tlsPort, string clientSuite, string serverSuite) => $$"""
        otelcol.receiver.otlp "in" {
          http { endpoint = "127.0.0.1:{{inPort}}" }
          output { traces = [otelcol.exporter.otlp.out.input] }
        }

        otelcol.exporter.otlp "out" {
          client {
            endpoint = "localhost:{{tlsPort}}"
            tls {
              ca_file       = "{{ca.CaCert}}"
              max_version   = "TLS 1.2"
              cipher_suites = ["{{clientSuite}}"]
            }
          }
          retry_on_failure { enabled = false }
        }

        otelcol.receiver.otlp "tls" {
          grpc {
            endpoint = "127.0.0.1:{{tlsPort}}"
            tls {
              cert_file     = "{{ca.ServerCert}}"
              key_file      = "{{ca.ServerKey}}"
              max_version   = "TLS 1.2"
              cipher_suites = ["{{serverSuite}}"]
            }
          }
          output { traces = [otelcol.exporter.debug.sink.input] }
        }

        otelcol.exporter.debug "sink" { }
        """;

    [Theory]
    [InlineData("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", true)]
    [InlineData("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false)]
    public async Task OnlyASharedCipherSuiteLetsTheExporterReachTheReceiver(string clientSuite, string serverSuite, bool delivered)
    {
        using var ca = TestCa.Create();
        int inPort = PipelineHost.FreePort(), tlsPort = PipelineHost.FreePort();
        await using var river = await PipelineHost.StartAsync(Config(ca, inPort, tlsPort, clientSuite, serverSuite));
        using var http = new HttpClient();
        var body = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}""";
        using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{inPort}/v1/traces"), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode);

        // Either the span is sent or the export fails for good (retry is off): wait for one of the two counters.
        await PipelineHost.WaitUntilAsync(
            async () => (await river.MetricAsync("otelcol_exporter_sent_spans_total", "otelcol.exporter.otlp.out") ?? 0)
                + (await river.MetricAsync("otelcol_exporter_send_failed_spans_total", "otelcol.exporter.otlp.out") ?? 0) >= 1,
            TimeSpan.FromSeconds(60),
            () => river.Log);
        output.WriteLine(river.Log);
        Assert.Equal(delivered ? 1d : 0d, await river.MetricAsync("otelcol_exporter_sent_spans_total", "otelcol.exporter.otlp.out"));
        Assert.Equal(delivered ? 1d : 0d, await river.MetricAsync("otelcol_receiver_accepted_spans_total", "otelcol.receiver.otlp.tls"));
    }
}

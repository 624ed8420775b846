using System.Text;
using River.Components;
using River.Diagnostics;
using River.Runtime;
using River.Tests.Pipelines;
using Xunit.Abstractions;

namespace River.Tests.Otelcol;

/// <summary>
/// The otelcol arguments an Alloy user writes (checked against Alloy's reference pages) load in River; the ones River
/// cannot honour are refused with a message saying why; <c>auth</c> handlers put their header on the wire.
/// </summary>
public sealed class OtelcolArgumentsTests(ITestOutputHelper output)
{
    /// <summary>Every block and argument of Alloy's otelcol reference that River accepts, written at once.</summary>
    private const string EverythingAlloyAccepts = """
        otelcol.auth.basic "creds" {
          client_auth {
            username = "alice"
            password = "s3cret"
          }
          debug_metrics { disable_high_cardinality_metrics = true }
        }

        otelcol.auth.basic "legacy" {
          username = "bob"
          password = "pw"
        }

        otelcol.auth.bearer "token" {
          token  = "abc"
          scheme = "Token"
          header = "x-api-key"
        }

        otelcol.storage.file "queue" {
          directory_permissions = "0700"
          fsync                 = true
          timeout               = "2s"
          compaction {
            on_start                      = true
            on_rebound                    = false
            max_transaction_size          = 1000
            rebound_needed_threshold_mib  = 50
            rebound_trigger_threshold_mib = 5
            check_interval                = "10s"
            cleanup_on_start              = true
          }
        }

        otelcol.receiver.otlp "in" {
          grpc {
            endpoint               = "127.0.0.1:4317"
            transport              = "tcp"
            max_recv_msg_size      = "8MiB"
            max_concurrent_streams = 32
            read_buffer_size       = "1MiB"
            write_buffer_size      = "1MiB"
            include_metadata       = true
            keepalive {
              server_parameters {
                max_connection_idle      = "10m"
                max_connection_age       = "infinity"
                max_connection_age_grace = "infinity"
                time                     = "1h"
                timeout                  = "10s"
              }
              enforcement_policy {
                min_time              = "1m"
                permit_without_stream = true
              }
            }
          }
          http {
            endpoint               = "127.0.0.1:4318"
            max_request_body_size  = "10MiB"
            compression_algorithms = ["", "gzip"]
            keep_alives_enabled    = false
            idle_timeout           = "2m"
            read_header_timeout    = "30s"
            read_timeout           = "1m"
            write_timeout          = "1m"
            cors {
              allowed_origins = ["*"]
              allowed_headers = ["*"]
              exposed_headers = ["X-A"]
              max_age         = 60
            }
          }
          debug_metrics { disable_high_cardinality_metrics = false }
          output { traces = [otelcol.processor.batch.b.input] }
        }

        otelcol.processor.batch "b" {
          debug_metrics { }
          output { traces = [otelcol.exporter.otlp.grpc.input, otelcol.exporter.otlphttp.http.input] }
        }

        otelcol.exporter.otlp "grpc" {
          timeout = "10s"
          client {
            endpoint          = "collector.example:4317"
            compression       = "zstd"
            balancer_name     = "pick_first"
            authority         = "collector"
            headers           = { "x-tenant" = "a" }
            read_buffer_size  = "256KiB"
            write_buffer_size = "1MiB"
            wait_for_ready    = true
            auth              = otelcol.auth.basic.creds.handler
            tls {
              ca_pem                       = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
              include_system_ca_certs_pool = true
              min_version                  = "TLS 1.2"
              max_version                  = "TLS 1.3"
              cipher_suites                = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]
              curve_preferences            = ["X25519", "P256"]
              reload_interval              = "1h"
              server_name                  = "collector.example"
            }
            keepalive {
              ping_wait             = "30s"
              ping_response_timeout = "10s"
              ping_without_stream   = true
            }
          }
          sending_queue {
            enabled         = true
            num_consumers   = 4
            queue_size      = 500
            sizer           = "requests"
            blocking        = true
            wait_for_result = false
            storage         = otelcol.storage.file.queue.handler
          }
          retry_on_failure {
            enabled              = true
            initial_interval     = "1s"
            randomization_factor = 0.2
            multiplier           = 2
            max_interval         = "10s"
            max_elapsed_time     = "1m"
          }
          debug_metrics { disable_high_cardinality_metrics = true }
        }

        otelcol.exporter.otlphttp "http" {
          metrics_endpoint = "https://collector.example/v1/metrics"
          logs_endpoint    = "https://collector.example/v1/logs"
          encoding         = "json"
          client {
            endpoint                = "https://collector.example:4318"
            compression             = "gzip"
            compression_params { level = 9 }
            timeout                 = "20s"
            headers                 = { "x-tenant" = "a" }
            auth                    = otelcol.auth.bearer.token.handler
            disable_keep_alives     = true
            idle_conn_timeout       = "30s"
            max_conns_per_host      = 4
            max_idle_conns          = 10
            max_idle_conns_per_host = 2
            http2_ping_timeout      = "5s"
            http2_read_idle_timeout = "30s"
            proxy_url               = "http://proxy.example:3128"
            read_buffer_size        = "64KiB"
            write_buffer_size       = "64KiB"
          }
          sending_queue { queue_size = 10 }
          retry_on_failure { max_elapsed_time = "0s" }
        }
        """;

    [Fact]
    public void EveryArgumentOfAlloysOtelcolReferenceThatRiverSupportsValidates()
    {
        var diagnostics = Validate(EverythingAlloyAccepts);
        Assert.True(diagnostics.All(d => d.Severity != Severity.Error), DiagnosticRenderer.Render(diagnostics));
    }

    [Theory]
    [InlineData("sizer           = \"requests\"", "sizer           = \"items\"", "River counts queue_size in requests")]
    [InlineData("wait_for_result = false", "wait_for_result = true", "wait_for_result = true is not supported")]
    [InlineData("sizer           = \"requests\"", "batch { min_size = 10 }", "batch with otelcol.processor.batch")]
    [InlineData("\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\",", "\"TLS_RSA_WITH_NOTHING\",", "unknown cipher suite \"TLS_RSA_WITH_NOTHING\"")]
    [InlineData("directory_permissions = \"0700\"", "directory_permissions = \"rwx\"", "is not octal permissions")]
    [InlineData("proxy_url               = \"http://proxy.example:3128\"", "proxy_url               = \"socks://x\"", "is not an http(s) URL")]
    [InlineData("max_connection_idle      = \"10m\"", "max_connection_idle      = \"later\"", "\"later\" is not a duration")]
    [InlineData("username = \"bob\"\n  password = \"pw\"", "", "a client_auth block (username and password) is required")]
    public void WhatRiverCannotHonourIsRefusedWithTheReason(string original, string replacement, string expected)
    {
        var config = EverythingAlloyAccepts.Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(EverythingAlloyAccepts, config);
        var diagnostics = Validate(config);
        var rendered = DiagnosticRenderer.Render(diagnostics);
        output.WriteLine(rendered);
        Assert.Contains(diagnostics, d => d.Severity == Severity.Error && d.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReceiverAuthIsRefusedWhenTheConfigLoadsNotSilentlyIgnored()
    {
        // The handler is only known once otelcol.auth.basic runs, so this is checked at load time, not by validate.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PipelineHost.StartAsync($$"""
            otelcol.auth.basic "creds" {
              client_auth {
                username = "alice"
                password = "s3cret"
              }
            }

            otelcol.receiver.otlp "in" {
              grpc {
                endpoint = "127.0.0.1:{{PipelineHost.FreePort()}}"
                auth     = otelcol.auth.basic.creds.handler
              }
              output { }
            }
            """));
        output.WriteLine(error.Message);
        Assert.Contains("receiver authentication is not supported by River yet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BasicAndBearerHandlersPutTheirHeaderOnEveryExportRequest()
    {
        if (NodePeers.Unavailable() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        var dir = Directory.CreateTempSubdirectory("river-auth-").FullName;
        using var collector = await NodeCollector.StartAsync(Path.Combine(dir, "calls.jsonl"));
        int inPort = PipelineHost.FreePort(), httpPort = PipelineHost.FreePort();

        // An OTLP/HTTP endpoint of its own (HttpListener, no River code) records the headers otlphttp sends.
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{httpPort}/");
        listener.Start();
        var httpHeaders = new TaskCompletionSource<System.Collections.Specialized.NameValueCollection>();
        _ = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            httpHeaders.TrySetResult(context.Request.Headers);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        });

        await using var river = await PipelineHost.StartAsync($$"""
            otelcol.auth.basic "creds" {
              client_auth {
                username = "alice"
                password = "s3cret"
              }
            }

            otelcol.auth.bearer "token" {
              token = "t0k3n"
            }

            otelcol.auth.bearer "apikey" {
              token  = "k3y"
              scheme = ""
              header = "X-API-Key"
            }

            otelcol.receiver.otlp "in" {
              http { endpoint = "127.0.0.1:{{inPort}}" }
              output { traces = [otelcol.exporter.otlp.basic.input, otelcol.exporter.otlp.apikey.input, otelcol.exporter.otlphttp.bearer.input] }
            }

            otelcol.exporter.otlp "basic" {
              client {
                endpoint = "127.0.0.1:{{collector.Port}}"
                headers  = { "x-route" = "basic" }
                auth     = otelcol.auth.basic.creds.handler
                tls { insecure = true }
              }
            }

            otelcol.exporter.otlp "apikey" {
              client {
                endpoint = "127.0.0.1:{{collector.Port}}"
                headers  = { "x-route" = "apikey" }
                auth     = otelcol.auth.bearer.apikey.handler
                tls { insecure = true }
              }
            }

            otelcol.exporter.otlphttp "bearer" {
              client {
                endpoint = "http://127.0.0.1:{{httpPort}}"
                auth     = otelcol.auth.bearer.token.handler
              }
            }
            """);

        using var http = new HttpClient();
        var body = """{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"auth-test"}}]},"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}""";
        using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{inPort}/v1/traces"), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());

        await PipelineHost.WaitUntilAsync(() => Task.FromResult(collector.Calls().Count >= 2), TimeSpan.FromSeconds(30), () => river.Log);
        var calls = collector.Calls();
        string Metadata(string route, string key) =>
            calls.Single(c => c.GetProperty("metadata").GetProperty("x-route").GetString() == route).GetProperty("metadata").GetProperty(key).GetString()!;
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret")), Metadata("basic", "authorization"));
        Assert.Equal("k3y", Metadata("apikey", "x-api-key"));

        var headers = await httpHeaders.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("Bearer t0k3n", headers["Authorization"]);

        // Secrets never reach the log, nor the component API (arguments and the exported handler).
        Assert.DoesNotContain("s3cret", river.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("t0k3n", river.Log, StringComparison.Ordinal);
        foreach (var id in new[] { "otelcol.auth.basic.creds", "otelcol.auth.bearer.token", "otelcol.exporter.otlp.basic", "otelcol.exporter.otlphttp.bearer" })
        {
            var json = await http.GetStringAsync(new Uri(river.BaseUrl, "/api/v0/web/components/" + id));
            Assert.DoesNotContain("s3cret", json, StringComparison.Ordinal);
            Assert.DoesNotContain("t0k3n", json, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret")), json, StringComparison.Ordinal);
        }
    }

    private static IReadOnlyList<Diagnostic> Validate(string config)
    {
        var path = Path.Combine(Path.GetTempPath(), $"river-otelcol-args-{Guid.NewGuid():N}.alloy");
        File.WriteAllText(path, config);
        try
        {
            return RiverHost.Validate(path, ComponentCatalog.All, StabilityLevel.PublicPreview);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

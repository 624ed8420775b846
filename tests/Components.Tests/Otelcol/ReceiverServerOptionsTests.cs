using System.Net;
using System.Net.Sockets;
using River.Components.Otelcol.Receiver.Otlp;
using River.Tests.Pipelines;
using Xunit.Abstractions;

namespace River.Tests.Otelcol;

/// <summary>
/// The <c>grpc { keepalive { … } }</c> and <c>http { cors { … } }</c> blocks of <c>otelcol.receiver.otlp</c>, written as
/// an Alloy user writes them and checked on the wire: CORS headers a browser would see, and the HTTP/2 frames
/// (PING, GOAWAY, connection close) a gRPC client would see.
/// </summary>
public sealed class ReceiverServerOptionsTests(ITestOutputHelper output)
{
    private static string Config(int grpcPort, int httpPort, string keepalive) => $$"""
        otelcol.receiver.otlp "r" {
          grpc {
            endpoint               = "127.0.0.1:{{grpcPort}}"
            max_concurrent_streams = 16
            read_buffer_size       = "512KiB"
            {{keepalive}}
          }
          http {
            endpoint            = "127.0.0.1:{{httpPort}}"
            idle_timeout        = "30s"
            read_header_timeout = "10s"
            read_timeout        = "20s"
            write_timeout       = "30s"
            keep_alives_enabled = true
            cors {
              allowed_origins = ["https://app.example.com", "https://*.trusted.example"]
              allowed_headers = ["X-Tenant"]
              exposed_headers = ["X-Trace-Count"]
              max_age         = 600
            }
          }
          output {
            traces = [otelcol.exporter.debug.d.input]
          }
        }

        otelcol.exporter.debug "d" { }
        """;

    [Fact]
    public async Task CorsPreflightAllowsTheConfiguredOriginsAndHeadersAndCachesForMaxAge()
    {
        var httpPort = PipelineHost.FreePort();
        await using var river = await PipelineHost.StartAsync(Config(PipelineHost.FreePort(), httpPort, ""));
        using var http = new HttpClient();
        var url = new Uri($"http://127.0.0.1:{httpPort}/v1/traces");

        foreach (var origin in new[] { "https://app.example.com", "https://eu.trusted.example" })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, url);
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-tenant");
            using var response = await http.SendAsync(preflight);
            output.WriteLine($"{origin}: {(int)response.StatusCode} {response.Headers}");
            Assert.True(response.IsSuccessStatusCode);
            Assert.Equal(origin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
            Assert.Contains("POST", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
            var allowedHeaders = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
            Assert.Contains("x-tenant", allowedHeaders, StringComparison.Ordinal);
            Assert.Contains("content-type", allowedHeaders, StringComparison.Ordinal);
            Assert.Equal("600", Assert.Single(response.Headers.GetValues("Access-Control-Max-Age")));
        }

        // An origin not listed, and a header not allowed: no CORS grant, so the browser blocks the call.
        using (var stranger = new HttpRequestMessage(HttpMethod.Options, url))
        {
            stranger.Headers.Add("Origin", "https://evil.example.org");
            stranger.Headers.Add("Access-Control-Request-Method", "POST");
            using var response = await http.SendAsync(stranger);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }

        using (var badHeader = new HttpRequestMessage(HttpMethod.Options, url))
        {
            badHeader.Headers.Add("Origin", "https://app.example.com");
            badHeader.Headers.Add("Access-Control-Request-Method", "POST");
            badHeader.Headers.Add("Access-Control-Request-Headers", "x-secret");
            using var response = await http.SendAsync(badHeader);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Headers") && string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).Contains("x-secret", StringComparison.OrdinalIgnoreCase));
        }

        // The actual POST from an allowed origin carries the grant and the exposed headers.
        using var post = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes("{\"resourceSpans\":[]}")),
        };
        post.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        post.Headers.Add("Origin", "https://app.example.com");
        using var answer = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("https://app.example.com", Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("X-Trace-Count", Assert.Single(answer.Headers.GetValues("Access-Control-Expose-Headers")));
    }

    [Fact]
    public async Task KeepaliveTimePingsASilentClientOverHttp2()
    {
        var grpcPort = PipelineHost.FreePort();
        await using var river = await PipelineHost.StartAsync(Config(grpcPort, PipelineHost.FreePort(), """
            keepalive {
              server_parameters {
                time    = "1s"
                timeout = "30s"
              }
              enforcement_policy {
                min_time              = "10s"
                permit_without_stream = true
              }
            }
            """));

        using var connection = await Http2Connection.OpenAsync(grpcPort);
        var frame = await connection.ReadUntilAsync(type => type == Http2Connection.Ping, TimeSpan.FromSeconds(30));
        Assert.Equal(Http2Connection.Ping, frame);
    }

    [Fact]
    public async Task MaxConnectionIdleClosesAnIdleConnectionAndInfinityKeepsIt()
    {
        var grpcPort = PipelineHost.FreePort();
        await using (var river = await PipelineHost.StartAsync(Config(grpcPort, PipelineHost.FreePort(), """
            keepalive {
              server_parameters {
                max_connection_idle = "1s"
              }
            }
            """)))
        {
            using var connection = await Http2Connection.OpenAsync(grpcPort);
            var frame = await connection.ReadUntilAsync(type => type == Http2Connection.GoAway, TimeSpan.FromSeconds(30));
            Assert.Equal(Http2Connection.GoAway, frame);
        }

        grpcPort = PipelineHost.FreePort();
        await using (var river = await PipelineHost.StartAsync(Config(grpcPort, PipelineHost.FreePort(), """
            keepalive {
              server_parameters {
                max_connection_idle = "infinity"
              }
            }
            """)))
        {
            // Kestrel's own default would close an idle connection after 130 s; "infinity" must not close it at all.
            // Five seconds of silence shows no GOAWAY (a 1 s limit closed it above).
            using var connection = await Http2Connection.OpenAsync(grpcPort);
            var frame = await connection.ReadUntilAsync(type => type == Http2Connection.GoAway, TimeSpan.FromSeconds(5));
            Assert.Null(frame);
        }
    }

    [Fact]
    public async Task MaxConnectionAgeSendsGoawayToABusyConnectionThatNeverIdles()
    {
        var grpcPort = PipelineHost.FreePort();
        await using var river = await PipelineHost.StartAsync(Config(grpcPort, PipelineHost.FreePort(), """
            keepalive {
              server_parameters {
                max_connection_age       = "2s"
                max_connection_age_grace = "30s"
              }
            }
            """));

        // The idle limit is infinity (the default), so only the age limit can produce this GOAWAY.
        using var connection = await Http2Connection.OpenAsync(grpcPort);
        var frame = await connection.ReadUntilAsync(type => type == Http2Connection.GoAway, TimeSpan.FromSeconds(30));
        Assert.Equal(Http2Connection.GoAway, frame);
    }

    [Fact]
    public void ConnectionLimitsParseInfinityDurationsAndRejectTheRest()
    {
        Assert.True(KeepaliveServerParameters.TryParseLimit("infinity", out var none));
        Assert.Null(none);
        Assert.True(KeepaliveServerParameters.TryParseLimit("0s", out none));
        Assert.Null(none);
        Assert.True(KeepaliveServerParameters.TryParseLimit("1m30s", out var limit));
        Assert.Equal(TimeSpan.FromSeconds(90), limit);
        Assert.False(KeepaliveServerParameters.TryParseLimit("forever", out _));
        Assert.False(KeepaliveServerParameters.TryParseLimit("-1s", out _));
    }

    [Fact]
    public void AnInvalidKeepaliveOrCorsBlockIsAConfigErrorAtTheArgument()
    {
        var bad = Config(4317, 4318, """
            keepalive {
              server_parameters {
                max_connection_age = "soon"
              }
            }
            """).Replace("max_age         = 600", "max_age         = -1", StringComparison.Ordinal);
        var path = Path.Combine(Path.GetTempPath(), $"river-keepalive-{Guid.NewGuid():N}.alloy");
        File.WriteAllText(path, bad);
        try
        {
            var diagnostics = River.Runtime.RiverHost.Validate(path, River.Components.ComponentCatalog.All, River.Runtime.StabilityLevel.PublicPreview);
            output.WriteLine(River.Diagnostics.DiagnosticRenderer.Render(diagnostics));
            var age = Assert.Single(diagnostics, d => d.Message.Contains("\"soon\" is not a duration", StringComparison.Ordinal));
            Assert.Contains("max_connection_age", bad.Split('\n')[age.Source!.GetLineColumn(age.Span.Start).Line - 1], StringComparison.Ordinal);
            var maxAge = Assert.Single(diagnostics, d => d.Message.Contains("max_age must not be negative", StringComparison.Ordinal));
            Assert.Contains("max_age", bad.Split('\n')[maxAge.Source!.GetLineColumn(maxAge.Span.Start).Line - 1], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A raw HTTP/2 client connection: the preface and SETTINGS, then frames read one by one.</summary>
    private sealed class Http2Connection : IDisposable
    {
        public const byte Ping = 0x6;
        public const byte GoAway = 0x7;
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;

        private Http2Connection(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
        }

        public static async Task<Http2Connection> OpenAsync(int port)
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var connection = new Http2Connection(client);

            // RFC 9113 §3.4: the client preface, then an empty SETTINGS frame (length 0, type 4, flags 0, stream 0).
            var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
            await connection._stream.WriteAsync(preface);
            await connection._stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 });
            return connection;
        }

        /// <summary>Reads frames until one whose type matches (returned), the connection ends or the time is up (null).</summary>
        public async Task<byte?> ReadUntilAsync(Func<byte, bool> match, TimeSpan limit)
        {
            using var cts = new CancellationTokenSource(limit);
            var header = new byte[9];
            try
            {
                while (true)
                {
                    await _stream.ReadExactlyAsync(header, cts.Token);
                    var length = (header[0] << 16) | (header[1] << 8) | header[2];
                    var type = header[3];
                    var payload = new byte[length];
                    await _stream.ReadExactlyAsync(payload, cts.Token);
                    if (type == 4 && (header[4] & 1) == 0)
                    {
                        // Acknowledge the server's SETTINGS, as a real client does.
                        await _stream.WriteAsync(new byte[] { 0, 0, 0, 4, 1, 0, 0, 0, 0 }, cts.Token);
                    }

                    if (match(type))
                    {
                        return type;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (EndOfStreamException)
            {
                return null;
            }
        }

        public void Dispose()
        {
            _stream.Dispose();
            _client.Dispose();
        }
    }
}

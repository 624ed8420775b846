using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;

namespace River.Components.Otelcol.Exporter.OtlpHttp;

/// <summary>
/// Posts OTLP trace requests as protobuf or JSON and classifies the answer as OTLP/HTTP says: retry 429, 502, 503,
/// 504 (and connection failures), honouring <c>Retry-After</c>; every other error status is permanent.
/// </summary>
internal sealed class HttpTraceSender : ITraceSender
{
    private readonly HttpClient _client;
    private readonly Uri _url;
    private readonly bool _json;
    private readonly string _compression;
    private readonly int _level;
    private readonly IReadOnlyDictionary<string, string> _headers;

    public HttpTraceSender(OtlpHttpExporterArguments arguments)
    {
        _url = new Uri(arguments.TracesUrl());
        _json = arguments.Encoding == "json";
        _compression = arguments.Client.Compression;
        _level = arguments.Client.CompressionParams?.Level ?? -1;
        var client = arguments.Client;
        var headers = new Dictionary<string, string>(client.Headers, StringComparer.OrdinalIgnoreCase);
        if (client.Auth is { } auth)
        {
            headers[auth.HeaderName] = auth.HeaderValue();
        }

        if (client.DisableKeepAlives)
        {
            // Go's DisableKeepAlives: one request per connection.
            headers["Connection"] = "close";
        }

        _headers = headers;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = client.IdleConnTimeout > TimeSpan.Zero ? client.IdleConnTimeout : Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (client.MaxConnsPerHost is > 0)
        {
            handler.MaxConnectionsPerServer = client.MaxConnsPerHost.Value;
        }

        if (client.ProxyUrl is { Length: > 0 } proxy)
        {
            handler.Proxy = new System.Net.WebProxy(new Uri(proxy));
            handler.UseProxy = true;
        }

        if (client.Http2PingTimeout > TimeSpan.Zero && client.Http2ReadIdleTimeout > TimeSpan.Zero)
        {
            // Go's ReadIdleTimeout/PingTimeout: ping a silent HTTP/2 connection, drop it when the ping goes unanswered.
            handler.KeepAlivePingDelay = client.Http2ReadIdleTimeout;
            handler.KeepAlivePingTimeout = client.Http2PingTimeout;
            handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        }

        if (_url.Scheme == "https")
        {
            handler.SslOptions = client.Tls.ClientOptions(_url.Host);
        }

        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    // .NET has three deflate levels: Go's 1 is the fastest, 9 the smallest, the rest the default trade-off.
    private CompressionLevel DeflateLevel() => _level switch
    {
        -1 or 1 => CompressionLevel.Fastest,
        9 => CompressionLevel.SmallestSize,
        _ => CompressionLevel.Optimal,
    };

    public async Task<SendResult> SendAsync(ExportTraceServiceRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var message = new HttpRequestMessage(HttpMethod.Post, _url) { Content = Body(request) };
        foreach (var (key, value) in _headers)
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }

        try
        {
            using var response = await _client.SendAsync(message, timeoutSource.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeoutSource.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var answer = Decode(response, body);
                return answer?.PartialSuccess is { } partial
                    ? new SendResult(SendOutcome.Success, partial.ErrorMessage, RejectedSpans: partial.RejectedSpans)
                    : SendResult.Ok;
            }

            var text = $"HTTP {(int)response.StatusCode}: {ErrorText(response, body)}";
            return response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
                ? new SendResult(SendOutcome.Retryable, text, RetryAfter(response))
                : new SendResult(SendOutcome.Permanent, text);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(SendOutcome.Retryable, $"no answer within {timeout}");
        }
        catch (HttpRequestException ex)
        {
            // Connection refused or closed without an answer: retry, as the spec allows.
            return new SendResult(SendOutcome.Retryable, ex.Message);
        }
    }

    private HttpContent Body(ExportTraceServiceRequest request)
    {
        var bytes = _json ? System.Text.Encoding.UTF8.GetBytes(OtlpJson.Format(request)) : OtlpTraceEncoder.ToByteArray(request);
        var encoding = _compression is "none" or "" ? null : _compression;
        if (encoding is not null)
        {
            using var compressed = new MemoryStream();
            using (Stream stream = encoding switch
            {
                "gzip" => new GZipStream(compressed, DeflateLevel(), leaveOpen: true),
                "deflate" => new ZLibStream(compressed, DeflateLevel(), leaveOpen: true),
                _ => new ZstdSharp.CompressionStream(compressed, level: _level > 0 ? _level : ZstdSharp.Compressor.DefaultCompressionLevel, leaveOpen: true),
            })
            {
                stream.Write(bytes);
            }

            bytes = compressed.ToArray();
        }

        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(_json ? "application/json" : "application/x-protobuf");
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        return content;
    }

    private static ExportTraceServiceResponse? Decode(HttpResponseMessage response, byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            return response.Content.Headers.ContentType?.MediaType == "application/json"
                ? OtlpJson.Parse<ExportTraceServiceResponse>(System.Text.Encoding.UTF8.GetString(body))
                : ExportTraceServiceResponse.Parser.ParseFrom(body);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or FormatException or System.Text.Json.JsonException)
        {
            // The data was accepted (2xx); an unreadable answer only loses the partial-success detail.
            return null;
        }
    }

    private static string ErrorText(HttpResponseMessage response, byte[] body)
    {
        if (response.Content.Headers.ContentType?.MediaType == "application/x-protobuf")
        {
            try
            {
                return River.Components.Telemetry.Otlp.Rpc.Status.Parser.ParseFrom(body).Message;
            }
            catch (InvalidProtocolBufferException)
            {
            }
        }

        var text = System.Text.Encoding.UTF8.GetString(body);
        return text.Length > 512 ? text[..512] : text;
    }

    /// <summary>Retry-After as seconds or as an HTTP date.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    public void Dispose() => _client.Dispose();
}

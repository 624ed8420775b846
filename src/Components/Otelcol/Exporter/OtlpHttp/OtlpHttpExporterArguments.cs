using River.Components.Otelcol.Config;
using River.Values;

namespace River.Components.Otelcol.Exporter.OtlpHttp;

/// <summary>Arguments of <c>otelcol.exporter.otlphttp</c>, with Alloy's names and defaults.</summary>
public sealed class OtlpHttpExporterArguments : IValidatable
{
    /// <summary>Connection settings.</summary>
    [RiverBlock("client", Required = true)]
    public HttpClientArguments Client { get; init; } = new();

    /// <summary>Full URL for traces; default <c>client.endpoint</c> + <c>/v1/traces</c>.</summary>
    [River("traces_endpoint")]
    public string? TracesEndpoint { get; init; }

    /// <summary>Full URL for metrics (River carries traces only: accepted, unused).</summary>
    [River("metrics_endpoint")]
    public string? MetricsEndpoint { get; init; }

    /// <summary>Full URL for logs (River carries traces only: accepted, unused).</summary>
    [River("logs_endpoint")]
    public string? LogsEndpoint { get; init; }

    /// <summary>Body encoding: "proto" (default) or "json".</summary>
    [River("encoding")]
    public string Encoding { get; init; } = "proto";

    /// <summary>The sending queue.</summary>
    [RiverBlock("sending_queue")]
    public QueueArguments SendingQueue { get; init; } = new();

    /// <summary>Internal metrics options (accepted; see <see cref="DebugMetricsArguments"/>).</summary>
    [RiverBlock("debug_metrics")]
    public DebugMetricsArguments DebugMetrics { get; init; } = new();

    /// <summary>Backoff for retryable failures.</summary>
    [RiverBlock("retry_on_failure")]
    public RetryArguments RetryOnFailure { get; init; } = new();

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (Encoding is not ("proto" or "json"))
        {
            context.Error("encoding", $"unknown encoding \"{Encoding}\"; use proto or json");
        }

        if (!Uri.TryCreate(TracesUrl(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            context.Error(TracesEndpoint is null ? "endpoint" : "traces_endpoint", $"\"{TracesUrl()}\" is not an http(s) URL");
        }

        Client.Validate(context);
        SendingQueue.Validate(context);
        RetryOnFailure.Validate(context);
    }

    /// <summary>The URL trace requests are posted to.</summary>
    public string TracesUrl() => TracesEndpoint ?? Client.Endpoint.TrimEnd('/') + "/v1/traces";
}

/// <summary>The <c>client</c> block of <c>otelcol.exporter.otlphttp</c> (Collector's confighttp client settings).</summary>
public sealed class HttpClientArguments : IValidatable
{
    /// <summary>Base URL, e.g. <c>https://otlp.example.com:4318</c>.</summary>
    [River("endpoint", Required = true)]
    public string Endpoint { get; init; } = "";

    /// <summary>Request compression: gzip (default), zstd, deflate, or none/"".</summary>
    [River("compression")]
    public string Compression { get; init; } = "gzip";

    /// <summary>Time limit of one request.</summary>
    [River("timeout")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra request headers.</summary>
    [River("headers")]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>TLS settings for https URLs.</summary>
    [RiverBlock("tls")]
    public TlsArguments Tls { get; init; } = new();

    /// <summary>The <c>handler</c> of an <c>otelcol.auth.*</c> component: its header goes on every request.</summary>
    [River("auth")]
    public AuthHandler? Auth { get; init; }

    /// <summary>Open a new connection for every request.</summary>
    [River("disable_keep_alives")]
    public bool DisableKeepAlives { get; init; }

    /// <summary>Close pooled connections idle for this long (zero: never).</summary>
    [River("idle_conn_timeout")]
    public TimeSpan IdleConnTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Most connections to the server (unset: no limit).</summary>
    [River("max_conns_per_host")]
    public int? MaxConnsPerHost { get; init; }

    /// <summary>Accepted for compatibility: SocketsHttpHandler keeps every idle connection until idle_conn_timeout.</summary>
    [River("max_idle_conns")]
    public int? MaxIdleConns { get; init; } = 100;

    /// <summary>Accepted for compatibility (see <c>max_idle_conns</c>).</summary>
    [River("max_idle_conns_per_host")]
    public int? MaxIdleConnsPerHost { get; init; }

    /// <summary>With <c>http2_read_idle_timeout</c>: drop a connection whose ping is not answered within this time.</summary>
    [River("http2_ping_timeout")]
    public TimeSpan Http2PingTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Ping an HTTP/2 connection that received nothing for this long (zero: no pings).</summary>
    [River("http2_read_idle_timeout")]
    public TimeSpan Http2ReadIdleTimeout { get; init; }

    /// <summary>An HTTP proxy for the requests (otherwise HTTPS_PROXY/NO_PROXY apply).</summary>
    [River("proxy_url")]
    public string? ProxyUrl { get; init; }

    /// <summary>Accepted for compatibility: SocketsHttpHandler sizes its own socket buffers.</summary>
    [River("read_buffer_size")]
    public string? ReadBufferSize { get; init; }

    /// <summary>Accepted for compatibility: SocketsHttpHandler sizes its own socket buffers.</summary>
    [River("write_buffer_size")]
    public string? WriteBufferSize { get; init; }

    /// <summary>Compression level (<c>compression_params { level = … }</c>).</summary>
    [RiverBlock("compression_params")]
    public CompressionParamsArguments? CompressionParams { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (ProxyUrl is { Length: > 0 } && !(Uri.TryCreate(ProxyUrl, UriKind.Absolute, out var proxy) && proxy.Scheme is "http" or "https"))
        {
            context.Error("proxy_url", $"\"{ProxyUrl}\" is not an http(s) URL");
        }

        if (MaxConnsPerHost is < 0)
        {
            context.Error("max_conns_per_host", "max_conns_per_host must not be negative");
        }

        foreach (var (name, size) in new[] { ("read_buffer_size", ReadBufferSize), ("write_buffer_size", WriteBufferSize) })
        {
            if (size is not null && !ByteSize.TryParse(size, out _))
            {
                context.Error(name, $"\"{size}\" is not a size such as 512KiB");
            }
        }

        if (CompressionParams is { } parameters && (parameters.Level < -1 || parameters.Level > 22))
        {
            context.Error("level", $"compression level {parameters.Level} is out of range");
        }

        if (Compression is not ("gzip" or "zstd" or "deflate" or "none" or ""))
        {
            context.Error("compression", $"unsupported compression \"{Compression}\"; use gzip, zstd, deflate or none");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            context.Error("timeout", "timeout must be positive");
        }

        Tls.Validate(context);
    }
}

/// <summary>The <c>compression_params</c> block: the level of gzip (1–9, fastest–smallest; -1 default) or zstd (1–22).</summary>
public sealed class CompressionParamsArguments
{
    /// <summary>The compression level.</summary>
    [River("level")]
    public int Level { get; init; } = -1;
}

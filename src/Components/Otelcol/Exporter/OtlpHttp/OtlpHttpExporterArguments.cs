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

    /// <summary>Body encoding: "proto" (default) or "json".</summary>
    [River("encoding")]
    public string Encoding { get; init; } = "proto";

    /// <summary>The sending queue.</summary>
    [RiverBlock("sending_queue")]
    public QueueArguments SendingQueue { get; init; } = new();

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

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
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

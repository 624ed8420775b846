using River.Components.Telemetry.Metrics;
using River.Values;

namespace River.Components.Prom.Scrape;

/// <summary>Arguments of <c>prometheus.scrape</c> (Alloy's names and defaults).</summary>
public sealed class ScrapeArguments : IValidatable
{
    /// <summary>The targets: label maps with at least <c>__address__</c>.</summary>
    [River("targets", Required = true)]
    public List<Dictionary<string, string>> Targets { get; set; } = [];

    /// <summary>Where scraped samples go.</summary>
    [River("forward_to", Required = true)]
    public List<IMetricsReceiver> ForwardTo { get; set; } = [];

    /// <summary>The <c>job</c> label when a target has none; defaults to the component id.</summary>
    [River("job_name")]
    public string JobName { get; set; } = "";

    /// <summary>How often each target is scraped.</summary>
    [River("scrape_interval")]
    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a scrape may take.</summary>
    [River("scrape_timeout")]
    public TimeSpan ScrapeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The path scraped unless a target sets <c>__metrics_path__</c>.</summary>
    [River("metrics_path")]
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>http or https unless a target sets <c>__scheme__</c>.</summary>
    [River("scheme")]
    public string Scheme { get; set; } = "http";

    /// <summary>Query parameters (<c>__param_NAME</c> target labels override them).</summary>
    [River("params")]
    public Dictionary<string, List<string>> Params { get; set; } = [];

    /// <summary>On a clash keep the scraped label (true) or rename it <c>exported_NAME</c> (false).</summary>
    [River("honor_labels")]
    public bool HonorLabels { get; set; }

    /// <summary>Use timestamps present in the exposition.</summary>
    [River("honor_timestamps")]
    public bool HonorTimestamps { get; set; } = true;

    /// <summary>Ask for gzip.</summary>
    [River("enable_compression")]
    public bool EnableCompression { get; set; } = true;

    /// <summary>Protocols offered in the Accept header, in preference order.</summary>
    [River("scrape_protocols")]
    public List<string> ScrapeProtocols { get; set; } = ["OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"];

    /// <summary>
    /// The protocol a body is parsed with when the target sends no, an unparseable or an unknown Content-Type (a file
    /// server's <c>application/octet-stream</c>, say); empty makes such a scrape fail instead.
    /// </summary>
    [River("scrape_fallback_protocol")]
    public string ScrapeFallbackProtocol { get; set; } = "PrometheusText0.0.4";

    /// <summary>Protobuf negotiation is not supported; true is refused with a message.</summary>
    [River("enable_protobuf_negotiation")]
    public bool EnableProtobufNegotiation { get; set; }

    /// <summary>Native histograms are not supported; true is refused.</summary>
    [River("scrape_native_histograms")]
    public bool ScrapeNativeHistograms { get; set; }

    /// <summary>Largest accepted body in bytes; 0 = no limit.</summary>
    [River("body_size_limit")]
    public long BodySizeLimit { get; set; }

    /// <summary>Most samples per scrape; more fails the scrape. 0 = no limit.</summary>
    [River("sample_limit")]
    public int SampleLimit { get; set; }

    /// <summary>Most targets; more are not scraped. 0 = no limit.</summary>
    [River("target_limit")]
    public int TargetLimit { get; set; }

    /// <summary>Most labels per series; more fails the scrape. 0 = no limit.</summary>
    [River("label_limit")]
    public int LabelLimit { get; set; }

    /// <summary>Longest label name; 0 = no limit.</summary>
    [River("label_name_length_limit")]
    public int LabelNameLengthLimit { get; set; }

    /// <summary>Longest label value; 0 = no limit.</summary>
    [River("label_value_length_limit")]
    public int LabelValueLengthLimit { get; set; }

    /// <summary>A bearer token: Alloy's <c>secret</c> type (a string is accepted; shown as <c>(secret)</c>).</summary>
    [River("bearer_token")]
    public Secret? BearerToken { get; set; }

    /// <summary>A file holding the bearer token.</summary>
    [River("bearer_token_file")]
    public string BearerTokenFile { get; set; } = "";

    /// <summary>Basic authentication.</summary>
    [RiverBlock("basic_auth")]
    public Prom.BasicAuthBlock? BasicAuth { get; set; }

    /// <summary>Authorization header.</summary>
    [RiverBlock("authorization")]
    public Prom.AuthorizationBlock? Authorization { get; set; }

    /// <summary>TLS settings.</summary>
    [RiverBlock("tls_config")]
    public Prom.TlsConfigBlock? TlsConfig { get; set; }

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (EnableProtobufNegotiation)
        {
            context.Error("enable_protobuf_negotiation", "protobuf negotiation is not supported by this implementation (it scrapes the text formats 0.0.4 and OpenMetrics); remove the attribute or set it to false");
        }

        if (ScrapeNativeHistograms)
        {
            context.Error("scrape_native_histograms", "native histograms are not supported by this implementation");
        }

        if (ScrapeInterval <= TimeSpan.Zero)
        {
            context.Error("scrape_interval", "scrape_interval must be positive");
        }

        if (ScrapeTimeout <= TimeSpan.Zero || ScrapeTimeout > ScrapeInterval)
        {
            context.Error("scrape_timeout", $"scrape_timeout ({GoDuration.Format(ScrapeTimeout)}) must be positive and not greater than scrape_interval ({GoDuration.Format(ScrapeInterval)})");
        }

        if (Scheme is not ("http" or "https"))
        {
            context.Error("scheme", $"scheme must be \"http\" or \"https\", got \"{Scheme}\"");
        }

        if (!MetricsPath.StartsWith('/'))
        {
            context.Error("metrics_path", "metrics_path must start with \"/\"");
        }

        foreach (var p in ScrapeProtocols)
        {
            if (AcceptHeader.MediaType(p) is null)
            {
                context.Error("scrape_protocols", p == "PrometheusProto"
                    ? "PrometheusProto is not supported by this implementation; use the text protocols"
                    : $"unknown scrape protocol \"{p}\"; expected OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0 or PrometheusText0.0.4");
            }
        }

        if (ScrapeFallbackProtocol.Length > 0 && AcceptHeader.MediaType(ScrapeFallbackProtocol) is null)
        {
            context.Error("scrape_fallback_protocol", $"unknown scrape protocol \"{ScrapeFallbackProtocol}\"; expected OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0 or PrometheusText0.0.4");
        }

        if (BodySizeLimit < 0 || SampleLimit < 0 || TargetLimit < 0 || LabelLimit < 0 || LabelNameLengthLimit < 0 || LabelValueLengthLimit < 0)
        {
            context.Error(null, "limits must not be negative");
        }

        Prom.HttpClientConfig.ValidateAuth(context, BasicAuth, Authorization, BearerToken, BearerTokenFile);
        Prom.HttpClientConfig.ValidateTls(context, TlsConfig);
    }
}

/// <summary>Builds the scrape request's Accept header from <c>scrape_protocols</c>.</summary>
public static class AcceptHeader
{
    /// <summary>The media type of a protocol name, or null when unknown/unsupported.</summary>
    public static string? MediaType(string protocol) => protocol switch
    {
        "OpenMetricsText1.0.0" => "application/openmetrics-text;version=1.0.0",
        "OpenMetricsText0.0.1" => "application/openmetrics-text;version=0.0.1",
        "PrometheusText1.0.0" => "text/plain;version=1.0.0",
        "PrometheusText0.0.4" => "text/plain;version=0.0.4",
        _ => null,
    };

    /// <summary>
    /// Preference-ordered header, e.g. <c>application/openmetrics-text;version=1.0.0;q=0.5,…,*/*;q=0.1</c>
    /// (each later protocol gets a lower q, and anything else is accepted last).
    /// </summary>
    public static string Build(IReadOnlyList<string> protocols)
    {
        ArgumentNullException.ThrowIfNull(protocols);
        var parts = new List<string>();
        var weight = protocols.Count + 1;
        foreach (var p in protocols)
        {
            if (MediaType(p) is { } mt)
            {
                parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{mt};q=0.{weight}"));
                weight--;
            }
        }

        parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"*/*;q=0.{weight}"));
        return string.Join(',', parts);
    }
}

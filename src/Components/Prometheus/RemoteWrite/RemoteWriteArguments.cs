using System.Security.Cryptography;
using System.Text;
using River.Components.Prom.Relabel;
using River.Values;

namespace River.Components.Prom.RemoteWrite;

/// <summary>Arguments of <c>prometheus.remote_write</c>.</summary>
public sealed class RemoteWriteArguments : IValidatable
{
    /// <summary>Labels added to every series sent (never overriding a label the series already has).</summary>
    [River("external_labels")]
    public Dictionary<string, string> ExternalLabels { get; set; } = [];

    /// <summary>Where to send; every endpoint receives all data through its own queue.</summary>
    [RiverBlock("endpoint")]
    public List<EndpointOptions> Endpoints { get; set; } = [];

    /// <summary>WAL truncation settings.</summary>
    [RiverBlock("wal")]
    public WalOptions Wal { get; set; } = new();

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var (k, _) in ExternalLabels)
        {
            if (!Telemetry.Metrics.LabelSet.IsValidLabelName(k))
            {
                context.Error("external_labels", $"\"{k}\" is not a valid label name");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in Endpoints)
        {
            e.Validate(context);
            if (!names.Add(e.EffectiveName))
            {
                context.Error("endpoint", $"duplicate endpoint name \"{e.EffectiveName}\"");
            }
        }

        Wal.Validate(context);
    }
}

/// <summary>An <c>endpoint</c> block.</summary>
public sealed class EndpointOptions : IValidatable
{
    /// <summary>The remote-write URL, e.g. <c>http://localhost:9090/api/v1/write</c>.</summary>
    [River("url", Required = true)]
    public string Url { get; set; } = "";

    /// <summary>A name used in metrics and the checkpoint file; defaults to a hash of the URL.</summary>
    [River("name")]
    public string Name { get; set; } = "";

    /// <summary>Timeout of one request.</summary>
    [River("remote_timeout")]
    public TimeSpan RemoteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra headers, Alloy's <c>map(secret)</c> (they often carry API keys); the remote-write protocol headers cannot be overridden.</summary>
    [River("headers")]
    public Dictionary<string, Secret> Headers { get; set; } = [];

    /// <summary>A bearer token: Alloy's <c>secret</c> type (a string is accepted; shown as <c>(secret)</c>).</summary>
    [River("bearer_token")]
    public Secret? BearerToken { get; set; }

    /// <summary>A file holding the bearer token.</summary>
    [River("bearer_token_file")]
    public string BearerTokenFile { get; set; } = "";

    /// <summary>Whether exemplars are sent (accepted; this implementation does not carry exemplars).</summary>
    [River("send_exemplars")]
    public bool SendExemplars { get; set; } = true;

    /// <summary>Native histograms are not supported; true is refused.</summary>
    [River("send_native_histograms")]
    public bool SendNativeHistograms { get; set; }

    /// <summary>Basic authentication.</summary>
    [RiverBlock("basic_auth")]
    public BasicAuthBlock? BasicAuth { get; set; }

    /// <summary>Authorization header.</summary>
    [RiverBlock("authorization")]
    public AuthorizationBlock? Authorization { get; set; }

    /// <summary>TLS settings.</summary>
    [RiverBlock("tls_config")]
    public TlsConfigBlock? TlsConfig { get; set; }

    /// <summary>Queue tuning.</summary>
    [RiverBlock("queue_config")]
    public QueueOptions QueueConfig { get; set; } = new();

    /// <summary>Relabelling applied just before sending.</summary>
    [RiverBlock("write_relabel_config")]
    public List<RelabelRule> WriteRelabelConfig { get; set; } = [];

    /// <summary>The explicit name or a short hash of the URL.</summary>
    public string EffectiveName => Name.Length > 0 ? Name : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Url)))[..6];

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
        {
            context.Error("url", $"\"{Url}\" is not an absolute http(s) URL");
        }

        if (Name.Length > 0 && Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            context.Error("name", "name may contain only letters, digits, '_', '-' and '.'");
        }

        if (RemoteTimeout <= TimeSpan.Zero)
        {
            context.Error("remote_timeout", "remote_timeout must be positive");
        }

        if (SendNativeHistograms)
        {
            context.Error("send_native_histograms", "native histograms are not supported by this implementation");
        }

        foreach (var h in Headers.Keys)
        {
            if (h.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase) || h.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
                || h.Equals("X-Prometheus-Remote-Write-Version", StringComparison.OrdinalIgnoreCase) || h.Equals("User-Agent", StringComparison.OrdinalIgnoreCase)
                || h.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                context.Error("headers", $"header \"{h}\" is reserved by the remote-write protocol or its auth settings");
            }
        }

        HttpClientConfig.ValidateAuth(context, BasicAuth, Authorization, BearerToken, BearerTokenFile);
        HttpClientConfig.ValidateTls(context, TlsConfig);
        QueueConfig.Validate(context);
        foreach (var r in WriteRelabelConfig)
        {
            if (!CompiledRelabelRule.TryCompile(r, out _, out var e))
            {
                context.Error("write_relabel_config", $"{e!.Value.Attribute}: {e.Value.Message}");
            }
        }
    }
}

/// <summary>The <c>queue_config</c> block (Alloy's defaults, which differ from Prometheus's).</summary>
public sealed class QueueOptions : IValidatable
{
    /// <summary>Samples buffered per shard.</summary>
    [River("capacity")]
    public int Capacity { get; set; } = 10000;

    /// <summary>Lower bound of the shard count.</summary>
    [River("min_shards")]
    public int MinShards { get; set; } = 1;

    /// <summary>Upper bound of the shard count.</summary>
    [River("max_shards")]
    public int MaxShards { get; set; } = 50;

    /// <summary>Largest batch per request.</summary>
    [River("max_samples_per_send")]
    public int MaxSamplesPerSend { get; set; } = 2000;

    /// <summary>Longest a partial batch waits.</summary>
    [River("batch_send_deadline")]
    public TimeSpan BatchSendDeadline { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First retry delay.</summary>
    [River("min_backoff")]
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Largest retry delay (the delay doubles per retry).</summary>
    [River("max_backoff")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retry 429 answers (honouring Retry-After) instead of dropping.</summary>
    [River("retry_on_http_429")]
    public bool RetryOnHttp429 { get; set; } = true;

    /// <summary>Drop samples older than this instead of retrying them; 0 = never.</summary>
    [River("sample_age_limit")]
    public TimeSpan SampleAgeLimit { get; set; } = TimeSpan.Zero;

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Capacity <= 0)
        {
            context.Error("queue_config", "capacity must be positive");
        }

        if (MinShards < 1 || MaxShards < MinShards)
        {
            context.Error("queue_config", "need 1 <= min_shards <= max_shards");
        }

        if (MaxSamplesPerSend <= 0)
        {
            context.Error("queue_config", "max_samples_per_send must be positive");
        }

        if (BatchSendDeadline <= TimeSpan.Zero || MinBackoff <= TimeSpan.Zero || MaxBackoff < MinBackoff)
        {
            context.Error("queue_config", "batch_send_deadline and min_backoff must be positive and max_backoff >= min_backoff");
        }
    }
}

/// <summary>The <c>wal</c> block.</summary>
public sealed class WalOptions : IValidatable
{
    /// <summary>How often fully-sent segments are deleted.</summary>
    [River("truncate_frequency")]
    public TimeSpan TruncateFrequency { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Sent data younger than this is kept.</summary>
    [River("min_keepalive_time")]
    public TimeSpan MinKeepaliveTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Data older than this is deleted even if unsent (counted as dropped and logged).</summary>
    [River("max_keepalive_time")]
    public TimeSpan MaxKeepaliveTime { get; set; } = TimeSpan.FromHours(8);

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (TruncateFrequency <= TimeSpan.Zero)
        {
            context.Error("wal", "truncate_frequency must be positive");
        }

        if (MinKeepaliveTime > MaxKeepaliveTime)
        {
            context.Error("wal", "min_keepalive_time must not exceed max_keepalive_time");
        }
    }
}

using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using River.Components.Prom.Exposition;
using River.Components.Telemetry.Metrics;

namespace River.Components.Prom.Scrape;

/// <summary>Health of one target, as Alloy's debug info reports it.</summary>
public sealed record TargetStatus(string Job, string Url, string Health, LabelSet Labels, string LastError, DateTimeOffset LastScrape, TimeSpan LastScrapeDuration);

/// <summary>What one scrape produced (returned for tests and status).</summary>
public readonly record struct ScrapeResult(bool Up, int SamplesScraped, int SeriesAdded, int StaleMarkers, string? Error);

/// <summary>
/// Scrapes one target on its interval: GET with the Prometheus Accept header, parse (0.0.4 or OpenMetrics by
/// Content-Type), attach target labels, forward, append the synthetic series and staleness markers. Decoded label
/// sets are cached by the series' raw bytes, so a steady-state scrape allocates no per-sample strings.
/// </summary>
public sealed class ScrapeLoop
{
    private const string UserAgent = "River/0.1.0";
    private readonly ScrapeArguments _args;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly PipelineMetrics _metrics;
    private readonly ExpositionParser _parser = new();
    private readonly ExpositionDecoder _decoder = new();
    private readonly SeriesCache<CachedSeries> _cache = new();
    private readonly string _accept;
    private readonly LabelSet[] _reportLabels;
    private byte[] _buffer = new byte[64 * 1024];
    private long _iteration;
    private bool _reportSeriesLive;

    /// <summary>Builds a loop; <paramref name="http"/> is shared by the component's loops.</summary>
    internal ScrapeLoop(ScrapeTarget target, ScrapeArguments args, HttpClient http, ILogger logger, PipelineMetrics metrics)
    {
        Target = target;
        _args = args;
        _http = http;
        _logger = logger;
        _metrics = metrics;
        _accept = AcceptHeader.Build(args.ScrapeProtocols);
        _reportLabels = new[] { "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added" }
            .Select(n => target.Labels.ToBuilder().Set(LabelSet.MetricNameLabel, n).Build()).ToArray();
        Status = new TargetStatus(target.Labels.Get("job"), target.Url.ToString(), "unknown", target.Labels, "", default, default);
    }

    /// <summary>The target.</summary>
    public ScrapeTarget Target { get; }

    /// <summary>Where the receivers currently are (replaced on update without restarting the loop).</summary>
    public IReadOnlyList<IMetricsReceiver> ForwardTo { get; set; } = [];

    /// <summary>The latest status.</summary>
    public TargetStatus Status { get; private set; }

    /// <summary>The delay before the first scrape: a per-target offset within the interval, from the target hash.</summary>
    public TimeSpan InitialDelay(DateTimeOffset now)
    {
        var interval = Target.Interval.Ticks;
        var offset = (long)(Target.Hash % (ulong)interval);
        var phase = now.UtcTicks % interval;
        return TimeSpan.FromTicks(((offset - phase) % interval + interval) % interval);
    }

    /// <summary>Scrapes until cancelled; then marks every series of the target stale.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(InitialDelay(DateTimeOffset.UtcNow), cancellationToken);
            using var timer = new PeriodicTimer(Target.Interval);
            do
            {
                await ScrapeOnceAsync(cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the target went away or the component stops
        }
    }

    /// <summary>Appends stale markers for every series of this target (target removed). Bounded to 5 s.</summary>
    public async Task MarkAllStaleAsync()
    {
        var appender = new FanoutAppender(ForwardTo);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var c in _cache.Values)
        {
            appender.Append(c.Labels, ts, StaleMarker.Value);
        }

        if (_reportSeriesLive)
        {
            foreach (var l in _reportLabels)
            {
                appender.Append(l, ts, StaleMarker.Value);
            }
        }

        _cache.Clear();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await appender.CommitAsync(cts.Token);
        }
#pragma warning disable CA1031 // a failing receiver must not stop the shutdown of other loops
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogWarning("could not forward stale markers for {Url}: {Error}", Target.Url, e.Message);
        }
    }

    /// <summary>Performs one scrape now and forwards the result.</summary>
    public async Task<ScrapeResult> ScrapeOnceAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var startTime = DateTimeOffset.UtcNow;
        var ts = startTime.ToUnixTimeMilliseconds();
        var iteration = ++_iteration;
        var appender = new FanoutAppender(ForwardTo);
        string? error = null;
        string reason = "";
        var scraped = 0;
        var added = 0;
        try
        {
            var (length, format) = await FetchAsync(cancellationToken);
            (scraped, added, error) = Parse(length, format, ts, iteration, appender);
            if (error is not null)
            {
                reason = error.StartsWith("line ", StringComparison.Ordinal) ? "parse" : "limit";
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"scrape timed out after {Target.Timeout}";
            reason = "timeout";
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
            reason = "http";
        }
        catch (ScrapeException e)
        {
            error = e.Message;
            reason = "http";
        }
        catch (InvalidDataException e)
        {
            error = $"invalid compressed body: {e.Message}";
            reason = "http";
        }

        var stale = 0;
        if (error is not null)
        {
            // A failed scrape forwards nothing it parsed, and every series of the previous scrape goes stale.
            appender.Rollback();
            appender = new FanoutAppender(ForwardTo);
            foreach (var c in _cache.Values)
            {
                // Series first met in this failed scrape were never forwarded, so they cannot go stale.
                if (c.Created < iteration)
                {
                    appender.Append(c.Labels, ts, StaleMarker.Value);
                    stale++;
                }
            }

            _cache.Clear();
            scraped = 0;
            added = 0;
            _metrics.ScrapeErrors.WithLabels(_metrics.Labels(reason)).Inc();
        }
        else
        {
            // Series present last time but not now get one stale marker and leave the cache.
            _cache.RemoveWhere(c =>
            {
                if (c.LastSeen == iteration)
                {
                    return false;
                }

                appender.Append(c.Labels, ts, StaleMarker.Value);
                stale++;
                return true;
            });
        }

        var duration = Stopwatch.GetElapsedTime(started);
        var up = error is null;
        appender.Append(_reportLabels[0], ts, up ? 1 : 0);
        appender.Append(_reportLabels[1], ts, duration.TotalSeconds);
        appender.Append(_reportLabels[2], ts, scraped);
        appender.Append(_reportLabels[3], ts, scraped);
        appender.Append(_reportLabels[4], ts, added);
        _reportSeriesLive = true;
        var commitStart = Stopwatch.GetTimestamp();
        try
        {
            await appender.CommitAsync(cancellationToken);
            _metrics.ForwardedSamples.WithLabels(_metrics.Labels()).Inc(scraped + stale + 5);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _metrics.ScrapeErrors.WithLabels(_metrics.Labels("forward")).Inc();
            _logger.LogError("forwarding the scrape of {Url} failed: {Error}", Target.Url, e.Message);
            error ??= $"forwarding failed: {e.Message}";
        }

        _metrics.FanoutLatency.WithLabels(_metrics.Labels()).Observe(Stopwatch.GetElapsedTime(commitStart).TotalSeconds);
        if (error is not null)
        {
            _logger.LogWarning("scrape of {Url} failed: {Error}", Target.Url, error);
        }

        Status = Status with { Health = up ? "up" : "down", LastError = error ?? "", LastScrape = startTime, LastScrapeDuration = duration };
        return new ScrapeResult(up, scraped, added, stale, error);
    }

    // No, an unparseable or an unknown Content-Type: scrape_fallback_protocol decides, as in Alloy.
    private ExpositionFormat FallbackFormat(string mediaType) => _args.ScrapeFallbackProtocol switch
    {
        "" => throw new ScrapeException($"unsupported Content-Type \"{mediaType}\" (expected text/plain or application/openmetrics-text) and no scrape_fallback_protocol"),
        var p when p.StartsWith("OpenMetrics", StringComparison.Ordinal) => ExpositionFormat.OpenMetrics,
        _ => ExpositionFormat.PrometheusText,
    };

    private async Task<(int Length, ExpositionFormat Format)> FetchAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Target.Url);
        request.Headers.TryAddWithoutValidation("Accept", _accept);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.TryAddWithoutValidation("X-Prometheus-Scrape-Timeout-Seconds", Target.Timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (_args.EnableCompression)
        {
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        }

        HttpClientConfig.ApplyAuth(request, _args.BasicAuth, _args.Authorization, _args.BearerToken, _args.BearerTokenFile);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Target.Timeout);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if ((int)response.StatusCode != 200)
        {
            throw new ScrapeException($"server returned HTTP status {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        var format = mediaType switch
        {
            "application/openmetrics-text" => ExpositionFormat.OpenMetrics,
            "text/plain" => ExpositionFormat.PrometheusText,
            _ => FallbackFormat(mediaType),
        };
        await using var raw = await response.Content.ReadAsStreamAsync(timeout.Token);
        Stream body = raw;
        GZipStream? gzip = null;
        if (response.Content.Headers.ContentEncoding.Contains("gzip", StringComparer.OrdinalIgnoreCase))
        {
            body = gzip = new GZipStream(raw, CompressionMode.Decompress);
        }

        try
        {
            var limit = _args.BodySizeLimit > 0 ? _args.BodySizeLimit : long.MaxValue;
            var length = 0;
            while (true)
            {
                if (length == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var n = await body.ReadAsync(_buffer.AsMemory(length), timeout.Token);
                if (n == 0)
                {
                    break;
                }

                length += n;
                if (length > limit)
                {
                    throw new ScrapeException($"body size limit exceeded: more than {_args.BodySizeLimit} bytes");
                }
            }

            return (length, format);
        }
        finally
        {
            if (gzip is not null)
            {
                await gzip.DisposeAsync();
            }
        }
    }

    private (int Scraped, int Added, string? Error) Parse(int length, ExpositionFormat format, long ts, long iteration, FanoutAppender appender)
    {
        _parser.Reset(_buffer, length, format);
        var scraped = 0;
        var added = 0;
        while (true)
        {
            var entry = _parser.Next();
            if (entry == ExpositionEntry.End)
            {
                return (scraped, added, null);
            }

            if (entry == ExpositionEntry.Error)
            {
                return (0, 0, _parser.Error);
            }

            if (entry != ExpositionEntry.Sample)
            {
                continue;
            }

            scraped++;
            if (_args.SampleLimit > 0 && scraped > _args.SampleLimit)
            {
                return (0, 0, $"sample limit exceeded: more than {_args.SampleLimit} samples");
            }

            var cached = _cache.Get(_parser.SeriesKey);
            if (cached is null)
            {
                var labels = MergeTargetLabels(_decoder.Decode(_parser));
                if (CheckLabelLimits(labels) is { } limitError)
                {
                    return (0, 0, limitError);
                }

                cached = new CachedSeries(labels, iteration);
                _cache.Set(_parser.SeriesKey, cached);
                added++;
            }
            else if (cached.LastSeen == iteration)
            {
                continue; // the same series twice in one exposition: keep the first, as Prometheus does
            }

            cached.LastSeen = iteration;
            var sampleTs = _args.HonorTimestamps && _parser.HasTimestamp ? _parser.TimestampMs : ts;
            appender.Append(cached.Labels, sampleTs, _parser.Value);
        }
    }

    // honor_labels=false: target labels win and a clashing scraped label becomes exported_<name>.
    private LabelSet MergeTargetLabels(LabelSet scraped)
    {
        var b = scraped.ToBuilder();
        foreach (var t in Target.Labels.AsSpan())
        {
            var existing = scraped.Get(t.Name);
            if (_args.HonorLabels)
            {
                if (existing.Length == 0)
                {
                    b.Set(t.Name, t.Value);
                }

                continue;
            }

            if (existing.Length > 0)
            {
                var name = "exported_" + t.Name;
                while (scraped.Has(name))
                {
                    name = "exported_" + name;
                }

                b.Set(name, existing);
            }

            b.Set(t.Name, t.Value);
        }

        return b.Build();
    }

    private string? CheckLabelLimits(LabelSet labels)
    {
        if (_args.LabelLimit > 0 && labels.Count > _args.LabelLimit)
        {
            return $"label limit exceeded: series {labels} has {labels.Count} labels, limit is {_args.LabelLimit}";
        }

        foreach (var l in labels.AsSpan())
        {
            if (_args.LabelNameLengthLimit > 0 && l.Name.Length > _args.LabelNameLengthLimit)
            {
                return $"label name length limit exceeded: \"{l.Name}\" is longer than {_args.LabelNameLengthLimit}";
            }

            if (_args.LabelValueLengthLimit > 0 && l.Value.Length > _args.LabelValueLengthLimit)
            {
                return $"label value length limit exceeded: value of \"{l.Name}\" is longer than {_args.LabelValueLengthLimit}";
            }
        }

        return null;
    }

    private sealed class CachedSeries(LabelSet labels, long created)
    {
        public LabelSet Labels { get; } = labels;

        public long Created { get; } = created;

        public long LastSeen { get; set; }
    }
}

/// <summary>A scrape failure with a message meant for the user.</summary>
public sealed class ScrapeException(string message) : Exception(message);

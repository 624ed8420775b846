using System.Globalization;
using System.Text;
using River.Components.Telemetry.Metrics;

namespace River.Components.Prom.Scrape;

/// <summary>
/// A target resolved from its label map: the URL to scrape, the labels added to every series (job, instance and
/// the target's non-<c>__</c> labels), and per-target interval/timeout overrides.
/// </summary>
public sealed record ScrapeTarget(Uri Url, LabelSet Labels, TimeSpan Interval, TimeSpan Timeout, ulong Hash)
{
    /// <summary>Resolves <paramref name="target"/>; null with <paramref name="error"/> when it cannot be scraped.</summary>
    public static ScrapeTarget? Resolve(IReadOnlyDictionary<string, string> target, ScrapeArguments args, string defaultJob, out string? error)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        error = null;
        if (!target.TryGetValue("__address__", out var address) || address.Length == 0)
        {
            error = "target has no __address__ label";
            return null;
        }

        var scheme = target.TryGetValue("__scheme__", out var s) && s.Length > 0 ? s : args.Scheme;
        var path = target.TryGetValue("__metrics_path__", out var p) && p.Length > 0 ? p : args.MetricsPath;
        var interval = args.ScrapeInterval;
        var timeout = args.ScrapeTimeout;
        if (target.TryGetValue("__scrape_interval__", out var si) && si.Length > 0 && !TryParseDuration(si, out interval))
        {
            error = $"invalid __scrape_interval__ \"{si}\"";
            return null;
        }

        if (target.TryGetValue("__scrape_timeout__", out var st) && st.Length > 0 && !TryParseDuration(st, out timeout))
        {
            error = $"invalid __scrape_timeout__ \"{st}\"";
            return null;
        }

        // Query: params, each overridden as a whole by a __param_NAME label.
        var query = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (k, v) in args.Params)
        {
            query[k] = [.. v];
        }

        foreach (var (k, v) in target)
        {
            if (k.StartsWith("__param_", StringComparison.Ordinal))
            {
                query[k["__param_".Length..]] = [v];
            }
        }

        var sb = new StringBuilder();
        foreach (var (k, vs) in query.OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            foreach (var v in vs)
            {
                sb.Append(sb.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(k)).Append('=').Append(Uri.EscapeDataString(v));
            }
        }

        if (!Uri.TryCreate($"{scheme}://{address}{path}{sb}", UriKind.Absolute, out var url))
        {
            error = $"cannot build a URL from scheme \"{scheme}\", address \"{address}\" and path \"{path}\"";
            return null;
        }

        var b = new LabelSetBuilder();
        foreach (var (k, v) in target)
        {
            if (!k.StartsWith("__", StringComparison.Ordinal))
            {
                b.Set(k, v);
            }
        }

        if (!b.Has("job"))
        {
            b.Set("job", defaultJob);
        }

        if (!b.Has("instance"))
        {
            b.Set("instance", address);
        }

        return new ScrapeTarget(url, b.Build(), interval, timeout, LabelSet.FromDictionary(target).StableHash);
    }

    /// <summary>Prometheus durations: <c>1h30m</c>, <c>15s</c>, <c>500ms</c>, <c>1d</c>, <c>1w</c>, <c>1y</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var i = 0;
        double total = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }

            var n = double.Parse(text.AsSpan(start, i - start), CultureInfo.InvariantCulture);
            var us = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            double? ms = text[us..i] switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "w" => 604_800_000,
                "y" => 31_536_000_000,
                _ => null,
            };
            if (ms is null)
            {
                return false;
            }

            total += n * ms.Value;
        }

        value = TimeSpan.FromMilliseconds(total);
        return total > 0;
    }
}

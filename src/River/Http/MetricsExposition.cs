using System.Text;
using Prometheus;

namespace River.Http;

/// <summary>
/// Writes several prometheus-net registries as one text exposition. Two components of the same type register the
/// same metric names in their own registries; the text format allows one HELP/TYPE per family, so samples of the
/// same family are gathered under the first header instead of being concatenated.
/// </summary>
public static class MetricsExposition
{
    /// <summary>The merged exposition (text format 0.0.4).</summary>
    public static async Task<string> RenderAsync(IEnumerable<CollectorRegistry> registries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registries);
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var order = new List<string>();
        using var buffer = new MemoryStream();
        foreach (var registry in registries)
        {
            buffer.SetLength(0);
            await registry.CollectAndExportAsTextAsync(buffer, cancellationToken).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            Family? current = null;
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var name = line[7..].Split(' ', 2)[0];
                    if (!families.TryGetValue(name, out current))
                    {
                        current = new Family();
                        families.Add(name, current);
                        order.Add(name);
                    }

                    if (!current.Headers.Exists(h => h.StartsWith(line[..7], StringComparison.Ordinal)))
                    {
                        current.Headers.Add(line);
                    }

                    continue;
                }

                if (line[0] == '#')
                {
                    continue;
                }

                if (current is null)
                {
                    // A sample before any header: file it under its own name.
                    var name = line.Split('{', ' ')[0];
                    if (!families.TryGetValue(name, out current))
                    {
                        current = new Family();
                        families.Add(name, current);
                        order.Add(name);
                    }
                }

                current.Samples.Add(line);
            }
        }

        var output = new StringBuilder();
        foreach (var name in order)
        {
            var family = families[name];
            foreach (var header in family.Headers)
            {
                output.Append(header).Append('\n');
            }

            foreach (var sample in family.Samples)
            {
                output.Append(sample).Append('\n');
            }
        }

        return output.ToString();
    }

    private sealed class Family
    {
        public List<string> Headers { get; } = [];

        public List<string> Samples { get; } = [];
    }
}

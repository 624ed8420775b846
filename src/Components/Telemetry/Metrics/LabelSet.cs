using System.Runtime.CompilerServices;
using System.Text;

namespace River.Components.Telemetry.Metrics;

/// <summary>One label: a name and its value.</summary>
public readonly record struct Label(string Name, string Value);

/// <summary>
/// An immutable set of labels sorted by name with ordinal (byte-wise for ASCII) comparison, as remote write requires.
/// Equality is structural; the 64-bit hash is stable across processes (used for sharding and scrape offsets).
/// </summary>
public sealed class LabelSet : IEquatable<LabelSet>
{
    /// <summary>The label name that carries the metric name.</summary>
    public const string MetricNameLabel = "__name__";

    private readonly Label[] _labels;
    private ulong _hash;
    private bool _hashed;

    /// <summary>The empty label set.</summary>
    public static LabelSet Empty { get; } = new([], sorted: true);

    private LabelSet(Label[] labels, bool sorted)
    {
        if (!sorted)
        {
            Array.Sort(labels, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        }

        _labels = labels;
    }

    /// <summary>Builds a set from labels in any order; a later duplicate name replaces an earlier one.</summary>
    public static LabelSet From(IEnumerable<Label> labels)
    {
        var b = new LabelSetBuilder();
        foreach (var l in labels)
        {
            b.Set(l.Name, l.Value);
        }

        return b.Build();
    }

    /// <summary>Builds a set from name/value pairs: <c>LabelSet.Of("__name__", "up", "job", "x")</c>.</summary>
    public static LabelSet Of(params string[] nameValuePairs)
    {
        if (nameValuePairs.Length % 2 != 0)
        {
            throw new ArgumentException("LabelSet.Of needs name/value pairs", nameof(nameValuePairs));
        }

        var b = new LabelSetBuilder();
        for (var i = 0; i < nameValuePairs.Length; i += 2)
        {
            b.Set(nameValuePairs[i], nameValuePairs[i + 1]);
        }

        return b.Build();
    }

    /// <summary>Builds a set from a map such as a discovery target.</summary>
    public static LabelSet FromDictionary(IEnumerable<KeyValuePair<string, string>> map)
    {
        var b = new LabelSetBuilder();
        foreach (var kv in map)
        {
            b.Set(kv.Key, kv.Value);
        }

        return b.Build();
    }

    /// <summary>Wraps an array that the caller guarantees is sorted by name with unique names (no copy).</summary>
    internal static LabelSet FromSortedUnique(Label[] labels) => labels.Length == 0 ? Empty : new LabelSet(labels, sorted: true);

    /// <summary>The number of labels.</summary>
    public int Count => _labels.Length;

    /// <summary>The label at <paramref name="index"/> in sorted order.</summary>
    public Label this[int index] => _labels[index];

    /// <summary>The labels in sorted order.</summary>
    public ReadOnlySpan<Label> AsSpan() => _labels;

    /// <summary>The metric name (<c>__name__</c>), or an empty string.</summary>
    public string MetricName => Get(MetricNameLabel);

    /// <summary>The value of <paramref name="name"/>, or an empty string when absent (Prometheus semantics).</summary>
    public string Get(string name)
    {
        var i = IndexOf(name);
        return i >= 0 ? _labels[i].Value : string.Empty;
    }

    /// <summary>True when a label called <paramref name="name"/> exists.</summary>
    public bool Has(string name) => IndexOf(name) >= 0;

    private int IndexOf(string name)
    {
        int lo = 0, hi = _labels.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = string.CompareOrdinal(_labels[mid].Name, name);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>A builder pre-filled with these labels.</summary>
    public LabelSetBuilder ToBuilder() => new(this);

    /// <summary>The labels as a dictionary (discovery targets are maps).</summary>
    public Dictionary<string, string> ToDictionary()
    {
        var d = new Dictionary<string, string>(_labels.Length, StringComparer.Ordinal);
        foreach (var l in _labels)
        {
            d[l.Name] = l.Value;
        }

        return d;
    }

    /// <summary>A stable 64-bit FNV-1a hash of names and values (0xff separators, so label boundaries matter).</summary>
    public ulong StableHash
    {
        get
        {
            if (!_hashed)
            {
                var h = 14695981039346656037UL;
                foreach (var l in _labels)
                {
                    h = Fnv(h, l.Name);
                    h = (h ^ 0xff) * 1099511628211UL;
                    h = Fnv(h, l.Value);
                    h = (h ^ 0xfe) * 1099511628211UL;
                }

                _hash = h;
                _hashed = true;
            }

            return _hash;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fnv(ulong h, string s)
    {
        foreach (var c in s)
        {
            h = (h ^ (byte)c) * 1099511628211UL;
            h = (h ^ (byte)(c >> 8)) * 1099511628211UL;
        }

        return h;
    }

    /// <inheritdoc/>
    public bool Equals(LabelSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._labels.Length != _labels.Length || other.StableHash != StableHash)
        {
            return false;
        }

        for (var i = 0; i < _labels.Length; i++)
        {
            if (!string.Equals(_labels[i].Name, other._labels[i].Name, StringComparison.Ordinal)
                || !string.Equals(_labels[i].Value, other._labels[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)(StableHash ^ (StableHash >> 32));

    /// <summary>Prometheus notation: <c>name{a="1", b="2"}</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(MetricName).Append('{');
        var first = true;
        foreach (var l in _labels)
        {
            if (l.Name == MetricNameLabel)
            {
                continue;
            }

            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            sb.Append(l.Name).Append("=\"").Append(l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('"');
        }

        return sb.Append('}').ToString();
    }

    /// <summary>True for a legacy Prometheus label name: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsValidLabelName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (i > 0 && c is >= '0' and <= '9');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A mutable label collection used while relabelling or building series; <see cref="Build"/> sorts once.</summary>
public sealed class LabelSetBuilder
{
    private readonly List<Label> _labels;

    /// <summary>An empty builder.</summary>
    public LabelSetBuilder() => _labels = new List<Label>(8);

    /// <summary>An empty builder with room for <paramref name="capacity"/> labels.</summary>
    public LabelSetBuilder(int capacity) => _labels = new List<Label>(capacity);

    /// <summary>A builder holding the labels of <paramref name="start"/>.</summary>
    public LabelSetBuilder(LabelSet start)
    {
        _labels = new List<Label>(start.Count + 4);
        foreach (var l in start.AsSpan())
        {
            _labels.Add(l);
        }
    }

    /// <summary>The number of labels currently held.</summary>
    public int Count => _labels.Count;

    /// <summary>The labels currently held, unsorted.</summary>
    public IReadOnlyList<Label> Labels => _labels;

    /// <summary>Removes every label.</summary>
    public void Clear() => _labels.Clear();

    /// <summary>Replaces the content with the labels of <paramref name="set"/>.</summary>
    public void Reset(LabelSet set)
    {
        _labels.Clear();
        foreach (var l in set.AsSpan())
        {
            _labels.Add(l);
        }
    }

    /// <summary>The value of <paramref name="name"/>, or an empty string.</summary>
    public string Get(string name)
    {
        foreach (var l in _labels)
        {
            if (string.Equals(l.Name, name, StringComparison.Ordinal))
            {
                return l.Value;
            }
        }

        return string.Empty;
    }

    /// <summary>True when <paramref name="name"/> is present.</summary>
    public bool Has(string name)
    {
        foreach (var l in _labels)
        {
            if (string.Equals(l.Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Sets <paramref name="name"/>; an empty value deletes the label (Prometheus semantics).</summary>
    public LabelSetBuilder Set(string name, string value)
    {
        if (value.Length == 0)
        {
            return Delete(name);
        }

        for (var i = 0; i < _labels.Count; i++)
        {
            if (string.Equals(_labels[i].Name, name, StringComparison.Ordinal))
            {
                _labels[i] = new Label(name, value);
                return this;
            }
        }

        _labels.Add(new Label(name, value));
        return this;
    }

    /// <summary>Removes <paramref name="name"/> if present.</summary>
    public LabelSetBuilder Delete(string name)
    {
        for (var i = 0; i < _labels.Count; i++)
        {
            if (string.Equals(_labels[i].Name, name, StringComparison.Ordinal))
            {
                _labels.RemoveAt(i);
                break;
            }
        }

        return this;
    }

    /// <summary>Removes every label for which <paramref name="predicate"/> is true.</summary>
    public void RemoveWhere(Predicate<Label> predicate) => _labels.RemoveAll(predicate);

    /// <summary>
    /// The labels as a dictionary filled in name order, as <c>Build().ToDictionary()</c> gives it without the
    /// intermediate set (the builder's own labels are sorted in place).
    /// </summary>
    public Dictionary<string, string> ToDictionary()
    {
        _labels.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var d = new Dictionary<string, string>(_labels.Count, StringComparer.Ordinal);
        foreach (var l in _labels)
        {
            d[l.Name] = l.Value;
        }

        return d;
    }

    /// <summary>The immutable, sorted set.</summary>
    public LabelSet Build()
    {
        if (_labels.Count == 0)
        {
            return LabelSet.Empty;
        }

        var arr = _labels.ToArray();
        Array.Sort(arr, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return LabelSet.FromSortedUnique(arr);
    }
}

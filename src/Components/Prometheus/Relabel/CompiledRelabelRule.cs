using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using River.Components.Telemetry.Metrics;

namespace River.Components.Prom.Relabel;

/// <summary>The relabelling actions.</summary>
public enum RelabelAction
{
    /// <summary>Write the expanded replacement to the target label when the regex matches.</summary>
    Replace,

    /// <summary>Drop the target unless the regex matches.</summary>
    Keep,

    /// <summary>Drop the target when the regex matches.</summary>
    Drop,

    /// <summary>target = MD5(value) mod modulus.</summary>
    HashMod,

    /// <summary>Copy labels whose names match to the expanded replacement name.</summary>
    LabelMap,

    /// <summary>Remove labels whose names match.</summary>
    LabelDrop,

    /// <summary>Remove labels whose names do not match.</summary>
    LabelKeep,

    /// <summary>target = lower-case(value).</summary>
    Lowercase,

    /// <summary>target = upper-case(value).</summary>
    Uppercase,

    /// <summary>Drop unless value equals the target label's value.</summary>
    KeepEqual,

    /// <summary>Drop when value equals the target label's value.</summary>
    DropEqual,
}

/// <summary>A validated rule with its regex compiled; apply lists of them with <see cref="Relabeler"/>.</summary>
public sealed class CompiledRelabelRule
{
    // What the rule held when it was compiled, beyond the regex: a rule compiled again unchanged gets this
    // instance back (decoding validates each rule, then the component compiles the same rules).
    private readonly string _actionText;
    private readonly string _targetLabel;
    private readonly ulong _modulus;

    private CompiledRelabelRule(RelabelRule source, RelabelAction action, RelabelRegex regex)
    {
        Source = source;
        Action = action;
        Regex = regex;
        SourceLabels = [.. source.SourceLabels];
        _actionText = source.Action;
        _targetLabel = source.TargetLabel;
        _modulus = source.Modulus;
    }

    /// <summary>The rule as configured.</summary>
    public RelabelRule Source { get; }

    /// <summary>The parsed action.</summary>
    public RelabelAction Action { get; }

    /// <summary>The compiled, anchored regex.</summary>
    public RelabelRegex Regex { get; }

    /// <summary>The source label names.</summary>
    public string[] SourceLabels { get; }

    /// <summary>Compiles a rule or throws <see cref="ArgumentException"/> naming the problem.</summary>
    public static CompiledRelabelRule Compile(RelabelRule rule)
    {
        if (!TryCompile(rule, out var compiled, out var error))
        {
            throw new ArgumentException($"{error!.Value.Attribute}: {error.Value.Message}", nameof(rule));
        }

        return compiled!;
    }

    /// <summary>Compiles a list of rules or throws on the first invalid one.</summary>
    public static IReadOnlyList<CompiledRelabelRule> CompileAll(IEnumerable<RelabelRule>? rules)
    {
        if (rules is not IReadOnlyList<RelabelRule> list)
        {
            return rules is null ? [] : rules.Select(Compile).ToArray();
        }

        var compiled = list.Count == 0 ? [] : new CompiledRelabelRule[list.Count];
        for (var i = 0; i < compiled.Length; i++)
        {
            compiled[i] = Compile(list[i]);
        }

        return compiled;
    }

    /// <summary>Validates and compiles; on failure the error names the attribute concerned.</summary>
    public static bool TryCompile(RelabelRule rule, out CompiledRelabelRule? compiled, out (string Attribute, string Message)? error)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Compiled is { } earlier && earlier.IsCompiledFrom(rule))
        {
            (compiled, error) = (earlier, null);
            return true;
        }

        compiled = null;
        RelabelAction? action = rule.Action.ToLowerInvariant() switch
        {
            "replace" => RelabelAction.Replace,
            "keep" => RelabelAction.Keep,
            "drop" => RelabelAction.Drop,
            "hashmod" => RelabelAction.HashMod,
            "labelmap" => RelabelAction.LabelMap,
            "labeldrop" => RelabelAction.LabelDrop,
            "labelkeep" => RelabelAction.LabelKeep,
            "lowercase" => RelabelAction.Lowercase,
            "uppercase" => RelabelAction.Uppercase,
            "keepequal" => RelabelAction.KeepEqual,
            "dropequal" => RelabelAction.DropEqual,
            _ => null,
        };
        if (action is null)
        {
            error = ("action", $"unknown relabel action \"{rule.Action}\"; expected one of replace, keep, drop, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase, keepequal, dropequal");
            return false;
        }

        var regex = RelabelRegex.TryCreate(rule.Regex, out var regexError);
        if (regex is null)
        {
            error = ("regex", regexError!);
            return false;
        }

        var a = action.Value;
        if (a == RelabelAction.HashMod && rule.Modulus == 0)
        {
            error = ("modulus", "relabel configuration for hashmod action requires a non-zero modulus");
            return false;
        }

        if (a is RelabelAction.Replace or RelabelAction.HashMod or RelabelAction.Lowercase or RelabelAction.Uppercase
            or RelabelAction.KeepEqual or RelabelAction.DropEqual && rule.TargetLabel.Length == 0)
        {
            error = ("target_label", $"relabel configuration for {rule.Action} action requires a target_label");
            return false;
        }

        // replace may template the target name; the others write it literally, so it must be a valid name.
        var targetTemplated = a == RelabelAction.Replace && rule.TargetLabel.Contains('$', StringComparison.Ordinal);
        if (rule.TargetLabel.Length > 0 && !targetTemplated && !LabelSet.IsValidLabelName(rule.TargetLabel)
            && a is not (RelabelAction.Keep or RelabelAction.Drop or RelabelAction.LabelMap or RelabelAction.LabelDrop or RelabelAction.LabelKeep))
        {
            error = ("target_label", $"\"{rule.TargetLabel}\" is not a valid label name for {rule.Action} action");
            return false;
        }

        if (a is RelabelAction.LabelDrop or RelabelAction.LabelKeep && (rule.SourceLabels.Count > 0 || rule.TargetLabel.Length > 0 || rule.Modulus != 0))
        {
            error = ("action", $"{rule.Action} action requires only regex, and no other fields");
            return false;
        }

        if (a is RelabelAction.KeepEqual or RelabelAction.DropEqual && rule.Regex != RelabelRegex.DefaultPattern)
        {
            error = ("regex", $"{rule.Action} action requires only source_labels and target_label, and no regex");
            return false;
        }

        error = null;
        compiled = new CompiledRelabelRule(rule, a, regex);
        rule.Compiled = compiled;
        return true;
    }

    /// <summary>True when <paramref name="rule"/> is this rule's source and still holds what was compiled.</summary>
    private bool IsCompiledFrom(RelabelRule rule)
    {
        if (!ReferenceEquals(rule, Source) || !string.Equals(rule.Action, _actionText, StringComparison.Ordinal)
            || !string.Equals(rule.Regex, Regex.Pattern, StringComparison.Ordinal)
            || !string.Equals(rule.TargetLabel, _targetLabel, StringComparison.Ordinal) || rule.Modulus != _modulus
            || rule.SourceLabels.Count != SourceLabels.Length)
        {
            return false;
        }

        for (var i = 0; i < SourceLabels.Length; i++)
        {
            if (!string.Equals(rule.SourceLabels[i], SourceLabels[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    internal string JoinSourceValues(LabelSetBuilder labels)
    {
        if (SourceLabels.Length == 1)
        {
            return labels.Get(SourceLabels[0]);
        }

        var sb = new StringBuilder();
        for (var i = 0; i < SourceLabels.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(Source.Separator);
            }

            sb.Append(labels.Get(SourceLabels[i]));
        }

        return sb.ToString();
    }

    /// <summary>
    /// Applies this rule to <paramref name="labels"/> in place. Returns false when the target must be dropped.
    /// </summary>
    public bool Apply(LabelSetBuilder labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var value = SourceLabels.Length == 0 ? "" : JoinSourceValues(labels);
        switch (Action)
        {
            case RelabelAction.Drop:
                return !Regex.IsMatch(value);
            case RelabelAction.Keep:
                return Regex.IsMatch(value);
            case RelabelAction.DropEqual:
                return !string.Equals(labels.Get(Source.TargetLabel), value, StringComparison.Ordinal);
            case RelabelAction.KeepEqual:
                return string.Equals(labels.Get(Source.TargetLabel), value, StringComparison.Ordinal);
            case RelabelAction.Replace:
                {
                    if (Regex.TryExpandWhole(value, Source.TargetLabel, Source.Replacement, out var wholeTarget, out var wholeReplacement))
                    {
                        // The default regex, (.*), matched the whole value: no Match object is needed.
                        if (LabelSet.IsValidLabelName(wholeTarget))
                        {
                            if (wholeReplacement.Length == 0)
                            {
                                labels.Delete(wholeTarget);
                            }
                            else
                            {
                                labels.Set(wholeTarget, wholeReplacement);
                            }
                        }

                        break;
                    }

                    var m = Regex.Match(value);
                    if (!m.Success)
                    {
                        break;
                    }

                    var target = Regex.Expand(Source.TargetLabel, m);
                    if (!LabelSet.IsValidLabelName(target))
                    {
                        break;
                    }

                    var res = Regex.Expand(Source.Replacement, m);
                    if (res.Length == 0)
                    {
                        labels.Delete(target);
                    }
                    else
                    {
                        labels.Set(target, res);
                    }

                    break;
                }

            case RelabelAction.Lowercase:
                labels.Set(Source.TargetLabel, value.ToLowerInvariant());
                break;
            case RelabelAction.Uppercase:
                labels.Set(Source.TargetLabel, value.ToUpperInvariant());
                break;
            case RelabelAction.HashMod:
                {
                    // Prometheus: the low 8 bytes of the MD5 digest, big-endian, modulo the modulus.
                    Span<byte> digest = stackalloc byte[16];
                    MD5.HashData(Encoding.UTF8.GetBytes(value), digest);
                    var n = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(digest[8..]);
                    labels.Set(Source.TargetLabel, (n % Source.Modulus).ToString(CultureInfo.InvariantCulture));
                    break;
                }

            case RelabelAction.LabelMap:
                {
                    var snapshot = labels.Labels.ToArray();
                    foreach (var l in snapshot)
                    {
                        var m = Regex.Match(l.Name);
                        if (m.Success)
                        {
                            labels.Set(Regex.Expand(Source.Replacement, m), l.Value);
                        }
                    }

                    break;
                }

            case RelabelAction.LabelDrop:
                labels.RemoveWhere(l => Regex.IsMatch(l.Name));
                break;
            case RelabelAction.LabelKeep:
                labels.RemoveWhere(l => !Regex.IsMatch(l.Name));
                break;
        }

        return true;
    }
}

/// <summary>Applies a list of rules in order.</summary>
public static class Relabeler
{
    /// <summary>Relabels <paramref name="labels"/>; null when a rule dropped it or no label is left.</summary>
    public static LabelSet? Process(LabelSet labels, IReadOnlyList<CompiledRelabelRule> rules)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Count == 0)
        {
            return labels;
        }

        var b = labels.ToBuilder();
        foreach (var r in rules)
        {
            if (!r.Apply(b))
            {
                return null;
            }
        }

        return b.Count == 0 ? null : b.Build();
    }

    /// <summary>Relabels a discovery target (a label map); null when dropped.</summary>
    public static Dictionary<string, string>? ProcessTarget(IReadOnlyDictionary<string, string> target, IReadOnlyList<CompiledRelabelRule> rules)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(rules);

        // What Process(LabelSet.FromDictionary(target), rules)?.ToDictionary() gives, through one builder instead of
        // two label sets and a second builder (a large config relabels one target per component at start-up).
        var b = new LabelSetBuilder(target.Count + 2);
        if (target is Dictionary<string, string> map)
        {
            foreach (var (name, value) in map)
            {
                b.Set(name, value);
            }
        }
        else
        {
            foreach (var (name, value) in target)
            {
                b.Set(name, value);
            }
        }

        for (var i = 0; i < rules.Count; i++)
        {
            if (!rules[i].Apply(b))
            {
                return null;
            }
        }

        return rules.Count > 0 && b.Count == 0 ? null : b.ToDictionary();
    }
}

using River.Values;

namespace River.Components.Prom.Relabel;

/// <summary>
/// One relabelling rule: a <c>rule</c> block of <c>discovery.relabel</c>/<c>prometheus.relabel</c> or a
/// <c>write_relabel_config</c> block. Names and defaults are Alloy's.
/// </summary>
public sealed class RelabelRule : IValidatable
{
    /// <summary>Labels whose values are joined with <see cref="Separator"/> to form the input value.</summary>
    [River("source_labels")]
    public List<string> SourceLabels { get; set; } = [];

    /// <summary>Joins the source label values.</summary>
    [River("separator")]
    public string Separator { get; set; } = ";";

    /// <summary>An RE2 expression, fully anchored.</summary>
    [River("regex")]
    public string Regex { get; set; } = RelabelRegex.DefaultPattern;

    /// <summary>The divisor of <c>hashmod</c>.</summary>
    [River("modulus")]
    public ulong Modulus { get; set; }

    /// <summary>The label written by replace/hashmod/lowercase/uppercase, compared by keepequal/dropequal.</summary>
    [River("target_label")]
    public string TargetLabel { get; set; } = "";

    /// <summary>The template written by replace/labelmap; <c>$1</c>, <c>${1}</c>, <c>$name</c> expand capture groups.</summary>
    [River("replacement")]
    public string Replacement { get; set; } = "$1";

    /// <summary>replace, keep, drop, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase, keepequal, dropequal.</summary>
    [River("action")]
    public string Action { get; set; } = "replace";

    /// <summary>The last successful compilation of this rule (reused while the rule is unchanged).</summary>
    internal CompiledRelabelRule? Compiled { get; set; }

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (CompiledRelabelRule.TryCompile(this, out _, out var error) is false)
        {
            context.Error(error!.Value.Attribute, error.Value.Message);
        }
    }
}

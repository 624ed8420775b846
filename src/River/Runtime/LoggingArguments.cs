using River.Values;

namespace River.Runtime;

/// <summary>The top-level <c>logging { level, format }</c> block.</summary>
public sealed class LoggingArguments : IValidatable
{
    /// <summary><c>error</c>, <c>warn</c>, <c>info</c> (default) or <c>debug</c>.</summary>
    [River("level")]
    public string Level { get; set; } = "info";

    /// <summary><c>logfmt</c> (default) or <c>json</c>.</summary>
    [River("format")]
    public string Format { get; set; } = "logfmt";

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Level is not ("error" or "warn" or "info" or "debug"))
        {
            context.Error("level", $"unknown log level \"{Level}\"; expected one of \"error\", \"warn\", \"info\", \"debug\"");
        }

        if (Format is not ("logfmt" or "json"))
        {
            context.Error("format", $"unknown log format \"{Format}\"; expected \"logfmt\" or \"json\"");
        }
    }
}

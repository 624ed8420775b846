using River.Components.Otelcol.Auth.Basic;
using River.Components.Otelcol.Config;
using River.Runtime;
using River.Values;

namespace River.Components.Otelcol.Auth.Bearer;

/// <summary>Arguments of <c>otelcol.auth.bearer</c>, with Alloy's names and defaults.</summary>
public sealed class BearerAuthArguments : IValidatable
{
    /// <summary>The token.</summary>
    [River("token", Required = true)]
    public Secret Token { get; init; } = new("");

    /// <summary>Written before the token; empty sends the token alone.</summary>
    [River("scheme")]
    public string Scheme { get; init; } = "Bearer";

    /// <summary>The header that carries it.</summary>
    [River("header")]
    public string Header { get; init; } = "authorization";

    /// <summary>Internal metrics options (accepted).</summary>
    [RiverBlock("debug_metrics")]
    public DebugMetricsArguments DebugMetrics { get; init; } = new();

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (string.IsNullOrWhiteSpace(Header) || Header.Any(c => c <= ' ' || c == ':' || c > '~'))
        {
            context.Error("header", $"\"{Header}\" is not a valid header name");
        }

        if (Token.Value.Contains('\n', StringComparison.Ordinal) || Token.Value.Contains('\r', StringComparison.Ordinal))
        {
            context.Error("token", "the token must be one line");
        }
    }
}

/// <summary><c>otelcol.auth.bearer</c>: exporters referencing its <c>handler</c> send <c>header: scheme token</c>.</summary>
public sealed class BearerAuthComponent : IPassiveComponent
{
    private readonly ComponentOptions _options;

    /// <summary>Creates the component and publishes its handler.</summary>
    public BearerAuthComponent(ComponentOptions options, BearerAuthArguments arguments)
    {
        _options = options;
        Update(arguments);
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "otelcol.auth.bearer",
        typeof(BearerAuthArguments),
        typeof(AuthExports),
        StabilityLevel.GenerallyAvailable,
        static (options, arguments) => new BearerAuthComponent(options, (BearerAuthArguments)arguments));

    /// <inheritdoc />
    public void Update(object arguments)
    {
        var args = (BearerAuthArguments)arguments;
        var value = args.Scheme.Length > 0 ? args.Scheme + " " + args.Token.Value : args.Token.Value;
        _options.OnStateChange(new AuthExports { Handler = new StaticHeaderHandler(args.Header.ToLowerInvariant(), value) });
    }
}

using System.Text;
using River.Components.Otelcol.Config;
using River.Runtime;
using River.Values;

namespace River.Components.Otelcol.Auth.Basic;

/// <summary>Arguments of <c>otelcol.auth.basic</c>, with Alloy's names (client side only in River).</summary>
public sealed class BasicAuthArguments : IValidatable
{
    /// <summary>Deprecated in Alloy in favour of <c>client_auth</c>; still accepted.</summary>
    [River("username")]
    public string? Username { get; init; }

    /// <summary>Deprecated in Alloy in favour of <c>client_auth</c>; still accepted.</summary>
    [River("password")]
    public Secret? Password { get; init; }

    /// <summary>Credentials exporters send.</summary>
    [RiverBlock("client_auth")]
    public BasicClientAuthArguments? ClientAuth { get; init; }

    /// <summary>Server-side credentials for receivers: decoded so they can be refused with a clear message.</summary>
    [RiverBlock("htpasswd")]
    public HtpasswdArguments? Htpasswd { get; init; }

    /// <summary>Internal metrics options (accepted).</summary>
    [RiverBlock("debug_metrics")]
    public DebugMetricsArguments DebugMetrics { get; init; } = new();

    /// <summary>The username and password in effect: <c>client_auth</c> first, then the deprecated top-level pair.</summary>
    public (string Username, string Password) Credentials() =>
        ClientAuth is { } client ? (client.Username, client.Password.Value) : (Username ?? "", Password?.Value ?? "");

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (Htpasswd is not null)
        {
            context.Error("htpasswd", "server authentication (htpasswd) is not supported by River's receivers yet; use otelcol.auth.basic for exporters");
        }

        if (ClientAuth is not null && (Username ?? Password?.Value) is not null)
        {
            context.Error("client_auth", "set either client_auth or the deprecated username/password, not both");
        }

        if (ClientAuth is null && Username is null)
        {
            context.Error("client_auth", "a client_auth block (username and password) is required");
        }

        if (Credentials().Username.Contains(':', StringComparison.Ordinal))
        {
            context.Error("username", "a basic-auth username cannot contain ':' (RFC 7617)");
        }
    }
}

/// <summary>The <c>client_auth</c> block of <c>otelcol.auth.basic</c>.</summary>
public sealed class BasicClientAuthArguments
{
    /// <summary>The username.</summary>
    [River("username", Required = true)]
    public string Username { get; init; } = "";

    /// <summary>The password.</summary>
    [River("password", Required = true)]
    public Secret Password { get; init; } = new("");
}

/// <summary>The <c>htpasswd</c> block of <c>otelcol.auth.basic</c> (server side).</summary>
public sealed class HtpasswdArguments
{
    /// <summary>Path of an htpasswd file.</summary>
    [River("file")]
    public string? File { get; init; }

    /// <summary>htpasswd content written inline.</summary>
    [River("inline")]
    public string? Inline { get; init; }
}

/// <summary>The exports of the <c>otelcol.auth.*</c> components.</summary>
public sealed class AuthExports
{
    /// <summary>The handler for <c>client { auth = … }</c>.</summary>
    [River("handler")]
    public required AuthHandler Handler { get; init; }
}

/// <summary>
/// <c>otelcol.auth.basic</c>: exporters referencing its <c>handler</c> send <c>authorization: Basic base64(user:password)</c>
/// (RFC 7617) on every request.
/// </summary>
public sealed class BasicAuthComponent : IPassiveComponent
{
    private readonly ComponentOptions _options;

    /// <summary>Creates the component and publishes its handler.</summary>
    public BasicAuthComponent(ComponentOptions options, BasicAuthArguments arguments)
    {
        _options = options;
        Update(arguments);
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "otelcol.auth.basic",
        typeof(BasicAuthArguments),
        typeof(AuthExports),
        StabilityLevel.GenerallyAvailable,
        static (options, arguments) => new BasicAuthComponent(options, (BasicAuthArguments)arguments));

    /// <inheritdoc />
    public void Update(object arguments)
    {
        var (username, password) = ((BasicAuthArguments)arguments).Credentials();
        var value = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password));
        _options.OnStateChange(new AuthExports { Handler = new StaticHeaderHandler("authorization", value) });
    }
}

/// <summary>A handler whose header never changes between updates of its component.</summary>
internal sealed class StaticHeaderHandler(string name, string value) : AuthHandler
{
    /// <inheritdoc />
    public override string HeaderName { get; } = name;

    /// <inheritdoc />
    public override string HeaderValue() => value;
}

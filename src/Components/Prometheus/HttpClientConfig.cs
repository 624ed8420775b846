using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using River.Values;

namespace River.Components.Prom;

/// <summary>The <c>basic_auth</c> block.</summary>
public sealed class BasicAuthBlock
{
    /// <summary>User name.</summary>
    [River("username")]
    public string Username { get; set; } = "";

    /// <summary>Password: Alloy's <c>secret</c> type (a string is accepted; shown as <c>(secret)</c>).</summary>
    [River("password")]
    public Secret? Password { get; set; }

    /// <summary>A file holding the password, read at each request.</summary>
    [River("password_file")]
    public string PasswordFile { get; set; } = "";
}

/// <summary>The <c>authorization</c> block.</summary>
public sealed class AuthorizationBlock
{
    /// <summary>The scheme, <c>Bearer</c> by default.</summary>
    [River("type")]
    public string Type { get; set; } = "Bearer";

    /// <summary>The credentials: Alloy's <c>secret</c> type (a string is accepted; shown as <c>(secret)</c>).</summary>
    [River("credentials")]
    public Secret? Credentials { get; set; }

    /// <summary>A file holding the credentials.</summary>
    [River("credentials_file")]
    public string CredentialsFile { get; set; } = "";
}

/// <summary>The <c>tls_config</c> block.</summary>
public sealed class TlsConfigBlock
{
    /// <summary>PEM of the CA that signs the server certificate.</summary>
    [River("ca_pem")]
    public string CaPem { get; set; } = "";

    /// <summary>Path of that CA.</summary>
    [River("ca_file")]
    public string CaFile { get; set; } = "";

    /// <summary>PEM of the client certificate.</summary>
    [River("cert_pem")]
    public string CertPem { get; set; } = "";

    /// <summary>Path of the client certificate.</summary>
    [River("cert_file")]
    public string CertFile { get; set; } = "";

    /// <summary>PEM of the client key: Alloy's <c>secret</c> type (a string is accepted; shown as <c>(secret)</c>).</summary>
    [River("key_pem")]
    public Secret? KeyPem { get; set; }

    /// <summary>Path of the client key.</summary>
    [River("key_file")]
    public string KeyFile { get; set; } = "";

    /// <summary>Overrides the name checked against the server certificate.</summary>
    [River("server_name")]
    public string ServerName { get; set; } = "";

    /// <summary>Skips server certificate verification (tests only).</summary>
    [River("insecure_skip_verify")]
    public bool InsecureSkipVerify { get; set; }

    /// <summary>TLS10, TLS11, TLS12 (default) or TLS13.</summary>
    [River("min_version")]
    public string MinVersion { get; set; } = "TLS12";
}

/// <summary>Validation and HTTP plumbing shared by scrape and remote_write.</summary>
internal static class HttpClientConfig
{
    /// <summary>Reports conflicting authentication settings.</summary>
    public static void ValidateAuth(ValidationContext context, BasicAuthBlock? basic, AuthorizationBlock? authz, Secret? bearerToken, string bearerTokenFile)
    {
        var n = (basic is null ? 0 : 1) + (authz is null ? 0 : 1) + (IsSet(bearerToken) || bearerTokenFile.Length > 0 ? 1 : 0);
        if (n > 1)
        {
            context.Error(null, "at most one of basic_auth, authorization and bearer_token/bearer_token_file may be set");
        }

        if (IsSet(bearerToken) && bearerTokenFile.Length > 0)
        {
            context.Error("bearer_token", "at most one of bearer_token and bearer_token_file may be set");
        }

        if (basic is not null && IsSet(basic.Password) && basic.PasswordFile.Length > 0)
        {
            context.Error("basic_auth", "at most one of password and password_file may be set");
        }

        if (authz is not null && IsSet(authz.Credentials) && authz.CredentialsFile.Length > 0)
        {
            context.Error("authorization", "at most one of credentials and credentials_file may be set");
        }

        if (authz is not null && string.Equals(authz.Type, "basic", StringComparison.OrdinalIgnoreCase))
        {
            context.Error("authorization", "authorization type cannot be set to \"basic\", use basic_auth instead");
        }
    }

    /// <summary>Checks a tls_config block.</summary>
    public static void ValidateTls(ValidationContext context, TlsConfigBlock? tls)
    {
        if (tls is null)
        {
            return;
        }

        if (tls.CaPem.Length > 0 && tls.CaFile.Length > 0)
        {
            context.Error("tls_config", "at most one of ca_pem and ca_file may be set");
        }

        if ((tls.CertPem.Length > 0 || tls.CertFile.Length > 0) != (IsSet(tls.KeyPem) || tls.KeyFile.Length > 0))
        {
            context.Error("tls_config", "a client certificate needs both a certificate and a key");
        }

        if (ParseTlsVersion(tls.MinVersion) is null)
        {
            context.Error("tls_config", $"unknown min_version \"{tls.MinVersion}\"; expected TLS10, TLS11, TLS12 or TLS13");
        }
    }

    private static SslProtocols? ParseTlsVersion(string v) => v.ToUpperInvariant().Replace(".", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal) switch
    {
        "TLS10" => SslProtocols.Tls12 | SslProtocols.Tls13, // .NET on Linux no longer offers 1.0/1.1; use the lowest available
        "TLS11" => SslProtocols.Tls12 | SslProtocols.Tls13,
        "TLS12" or "" => SslProtocols.Tls12 | SslProtocols.Tls13,
        "TLS13" => SslProtocols.Tls13,
        _ => null,
    };

    /// <summary>
    /// The handler to send with: the runtime's shared handler (in-memory routing, pooled sockets) unless TLS settings
    /// need a handler of our own. The bool says whether the caller owns (and must dispose) it.
    /// </summary>
    public static (HttpMessageHandler Handler, bool Owned) CreateHandler(HttpMessageHandler shared, TlsConfigBlock? tls)
    {
        if (tls is null)
        {
            return (shared, false);
        }

        var ssl = new SslClientAuthenticationOptions { EnabledSslProtocols = ParseTlsVersion(tls.MinVersion) ?? SslProtocols.None };
        if (tls.ServerName.Length > 0)
        {
            ssl.TargetHost = tls.ServerName;
        }

        var caPem = tls.CaPem.Length > 0 ? tls.CaPem : tls.CaFile.Length > 0 ? File.ReadAllText(tls.CaFile) : null;
        if (tls.InsecureSkipVerify)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (caPem is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(caPem);
            ssl.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
            {
                if (cert is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                var ok = chain.Build(new X509Certificate2(cert));
                return ok && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            };
        }

        var certPem = tls.CertPem.Length > 0 ? tls.CertPem : tls.CertFile.Length > 0 ? File.ReadAllText(tls.CertFile) : null;
        var keyPem = IsSet(tls.KeyPem) ? tls.KeyPem!.Value : tls.KeyFile.Length > 0 ? File.ReadAllText(tls.KeyFile) : null;
        if (certPem is not null && keyPem is not null)
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPem(certPem, keyPem)];
        }

        return (new SocketsHttpHandler { SslOptions = ssl, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, true);
    }

    /// <summary>Adds the Authorization header for whichever method is configured (files are re-read each time).</summary>
    public static void ApplyAuth(HttpRequestMessage request, BasicAuthBlock? basic, AuthorizationBlock? authz, Secret? bearerToken, string bearerTokenFile)
    {
        if (basic is not null)
        {
            var pw = basic.PasswordFile.Length > 0 ? File.ReadAllText(basic.PasswordFile).Trim() : basic.Password?.Value ?? "";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Username}:{pw}")));
        }
        else if (authz is not null)
        {
            var cred = authz.CredentialsFile.Length > 0 ? File.ReadAllText(authz.CredentialsFile).Trim() : authz.Credentials?.Value ?? "";
            request.Headers.Authorization = new AuthenticationHeaderValue(authz.Type.Length > 0 ? authz.Type : "Bearer", cred);
        }
        else if (IsSet(bearerToken) || bearerTokenFile.Length > 0)
        {
            var tok = bearerTokenFile.Length > 0 ? File.ReadAllText(bearerTokenFile).Trim() : bearerToken!.Value;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tok);
        }
    }

    /// <summary>True when a secret argument was given a non-empty value (an empty string counts as unset, as in Alloy).</summary>
    public static bool IsSet(Secret? secret) => secret is { Value.Length: > 0 };
}

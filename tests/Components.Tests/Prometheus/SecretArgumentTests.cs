using System.Text;
using River.Tests.Pipelines;

namespace River.Tests.Prom;

/// <summary>
/// Credentials of prometheus.scrape and prometheus.remote_write are Alloy's <c>secret</c> type: a plain string is
/// accepted, the API shows <c>(secret)</c>, and the real value still reaches the wire.
/// </summary>
public sealed class SecretArgumentTests
{
    [Fact]
    public async Task Passwords_tokens_and_headers_given_as_strings_are_shown_as_secret_in_the_api_but_sent_in_clear_on_the_wire()
    {
        // One tiny server plays both roles: scrape target (GET) and remote-write receiver (POST).
        using var server = new TinyHttpServer((req, _) => req.HttpMethod == "GET"
            ? (200, "text/plain; version=0.0.4", Encoding.UTF8.GetBytes("secret_probe 1\n"), null)
            : (204, "", [], null));
        var config = $$"""
            prometheus.scrape "bearer" {
              targets         = [{"__address__" = "127.0.0.1:{{server.Port}}"}]
              forward_to      = [prometheus.remote_write.basic.receiver]
              bearer_token    = "scrape-token-123"
              scrape_interval = "200ms"
              scrape_timeout  = "150ms"
            }

            prometheus.remote_write "basic" {
              endpoint {
                url     = "{{server.Url}}/push"
                headers = {"X-Scope-OrgID" = "tenant-secret-42"}
                basic_auth {
                  username = "writer"
                  password = "pw-never-shown"
                }
                queue_config { batch_send_deadline = "100ms" }
              }
            }
            """;
        await using var river = await PipelineHost.StartAsync(config);
        using var http = new HttpClient { BaseAddress = river.BaseUrl };

        var scrapeJson = await http.GetStringAsync("/api/v0/web/components/prometheus.scrape.bearer");
        var writeJson = await http.GetStringAsync("/api/v0/web/components/prometheus.remote_write.basic");

        Assert.DoesNotContain("scrape-token-123", scrapeJson, StringComparison.Ordinal);
        Assert.Contains("(secret)", scrapeJson, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-never-shown", writeJson, StringComparison.Ordinal);
        Assert.DoesNotContain("tenant-secret-42", writeJson, StringComparison.Ordinal);
        Assert.Contains("\"writer\"", writeJson, StringComparison.Ordinal);

        await PipelineHost.WaitUntilAsync(
            () => Task.FromResult(server.Requests.Any(r => r.Path == "/push")),
            TimeSpan.FromSeconds(30),
            () => "no remote-write request arrived\n" + river.Log);
        var scrape = server.Requests.First(r => r.Path == "/metrics");
        var push = server.Requests.First(r => r.Path == "/push");
        Assert.Equal("Bearer scrape-token-123", scrape.Headers["Authorization"]);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("writer:pw-never-shown")), push.Headers["Authorization"]);
        Assert.Equal("tenant-secret-42", push.Headers["X-Scope-OrgID"]);
        Assert.DoesNotContain("pw-never-shown", river.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_of_the_wrong_type_is_a_diagnostic_that_names_the_secret_type()
    {
        var dir = PromTest.TempDir("secret-type");
        var path = Path.Combine(dir, "config.alloy");
        File.WriteAllText(path, """
            prometheus.remote_write "bad" {
              endpoint {
                url = "http://127.0.0.1:1/push"
                basic_auth {
                  username = "writer"
                  password = true
                }
              }
            }
            """);

        var errors = River.Runtime.RiverHost.Validate(path, River.Components.ComponentCatalog.All)
            .Where(d => d.Severity == River.Diagnostics.Severity.Error).ToList();

        var error = Assert.Single(errors);
        Assert.Contains("secret", error.Message, StringComparison.Ordinal);
        Assert.Contains("bool", error.Message, StringComparison.Ordinal);
    }
}

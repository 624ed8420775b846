using System.Text;

namespace River.Benchmarks.Syntax;

/// <summary>
/// The performance case: a generated configuration of 10 000 component blocks (about 3 MB), and the same data
/// as JSON for the System.Text.Json baseline.
/// </summary>
public static class SyntaxBenchmarkData
{
    /// <summary>Builds the River text of <paramref name="blocks"/> blocks.</summary>
    public static string River(int blocks)
    {
        var sb = new StringBuilder(blocks * 260);
        for (var i = 0; i < blocks; i++)
        {
            sb.Append("// job ").Append(i).Append('\n')
              .Append("prometheus.scrape \"job_").Append(i).Append("\" {\n")
              .Append("\ttargets         = [{\"__address__\" = \"host-").Append(i).Append(":9090\", env = \"prod\"}]\n")
              .Append("\tforward_to      = [prometheus.remote_write.default.receiver]\n")
              .Append("\tscrape_interval = \"15s\"\n")
              .Append("\tlimit           = ").Append(i % 100).Append(" * 2 + 1\n")
              .Append("\tenabled         = !false && true\n")
              .Append("\tlabels          = { team = \"obs\", tier = \"").Append(i % 3).Append("\" }\n")
              .Append("}\n\n");
        }

        return sb.ToString();
    }

    /// <summary>The same blocks as JSON (values that are expressions in River are written as their results).</summary>
    public static string Json(int blocks)
    {
        var sb = new StringBuilder(blocks * 300);
        sb.Append("{\"prometheus.scrape\":[\n");
        for (var i = 0; i < blocks; i++)
        {
            if (i > 0)
            {
                sb.Append(",\n");
            }

            sb.Append("{\"label\":\"job_").Append(i).Append("\",")
              .Append("\"targets\":[{\"__address__\":\"host-").Append(i).Append(":9090\",\"env\":\"prod\"}],")
              .Append("\"forward_to\":[\"prometheus.remote_write.default.receiver\"],")
              .Append("\"scrape_interval\":\"15s\",")
              .Append("\"limit\":").Append(((i % 100) * 2) + 1).Append(',')
              .Append("\"enabled\":true,")
              .Append("\"labels\":{\"team\":\"obs\",\"tier\":\"").Append(i % 3).Append("\"}}");
        }

        sb.Append("\n]}\n");
        return sb.ToString();
    }
}

namespace River.Runtime;

/// <summary>
/// The three healths Alloy tracks per component — evaluation, run loop, and what the component reports itself — and
/// their combination: the least healthy wins (exited &gt; unhealthy &gt; unknown &gt; healthy), ties go to the most recent.
/// </summary>
public static class HealthAggregation
{
    /// <summary>The least healthy of the reports.</summary>
    public static ComponentHealth LeastHealthy(params ReadOnlySpan<ComponentHealth?> reports)
    {
        ComponentHealth? worst = null;
        foreach (var report in reports)
        {
            if (report is null)
            {
                continue;
            }

            if (worst is null
                || Rank(report.State) > Rank(worst.State)
                || (Rank(report.State) == Rank(worst.State) && report.UpdatedTime > worst.UpdatedTime))
            {
                worst = report;
            }
        }

        return worst ?? new ComponentHealth(HealthState.Unknown, "component created", DateTimeOffset.UtcNow);
    }

    /// <summary>The lower-case name Alloy uses for a state.</summary>
    public static string StateName(HealthState state) => state switch
    {
        HealthState.Healthy => "healthy",
        HealthState.Unhealthy => "unhealthy",
        HealthState.Exited => "exited",
        _ => "unknown",
    };

    private static int Rank(HealthState state) => state switch
    {
        HealthState.Healthy => 0,
        HealthState.Unknown => 1,
        HealthState.Unhealthy => 2,
        _ => 3,
    };
}

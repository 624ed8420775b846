using River.Values;

namespace River.Components.Otelcol.Config;

/// <summary>The <c>retry_on_failure</c> block: exponential backoff for retryable export errors (Collector defaults).</summary>
public sealed class RetryArguments : IValidatable
{
    /// <summary>Whether failed batches are retried at all.</summary>
    [River("enabled")]
    public bool Enabled { get; init; } = true;

    /// <summary>Wait before the first retry.</summary>
    [River("initial_interval")]
    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Each wait is multiplied by a random factor in [1 − f, 1 + f].</summary>
    [River("randomization_factor")]
    public double RandomizationFactor { get; init; } = 0.5;

    /// <summary>Growth of the wait per retry.</summary>
    [River("multiplier")]
    public double Multiplier { get; init; } = 1.5;

    /// <summary>Upper bound of one wait.</summary>
    [River("max_interval")]
    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Give up (drop the batch) after this long; zero retries forever.</summary>
    [River("max_elapsed_time")]
    public TimeSpan MaxElapsedTime { get; init; } = TimeSpan.FromMinutes(5);

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (InitialInterval < TimeSpan.Zero)
        {
            context.Error("initial_interval", "initial_interval must not be negative");
        }

        if (RandomizationFactor is < 0 or > 1)
        {
            context.Error("randomization_factor", "randomization_factor must be between 0 and 1");
        }

        if (Multiplier < 1)
        {
            context.Error("multiplier", "multiplier must be at least 1");
        }

        if (MaxInterval < TimeSpan.Zero)
        {
            context.Error("max_interval", "max_interval must not be negative");
        }

        if (MaxElapsedTime < TimeSpan.Zero)
        {
            context.Error("max_elapsed_time", "max_elapsed_time must not be negative");
        }
    }

    /// <summary>
    /// The wait before retry number <paramref name="attempt"/> (0 = first retry), before randomisation:
    /// initial × multiplier^attempt, capped at max_interval.
    /// </summary>
    public TimeSpan BaseDelay(int attempt)
    {
        var ticks = InitialInterval.Ticks * Math.Pow(Multiplier, attempt);
        return ticks >= MaxInterval.Ticks ? MaxInterval : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The randomised wait before retry <paramref name="attempt"/>, drawn with <paramref name="random"/>.</summary>
    public TimeSpan Delay(int attempt, Random random)
    {
        var baseDelay = BaseDelay(attempt);
        var factor = 1 - RandomizationFactor + (2 * RandomizationFactor * random.NextDouble());
        return TimeSpan.FromTicks((long)(baseDelay.Ticks * factor));
    }
}

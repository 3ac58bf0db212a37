using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ArtifactStore.Core.Diagnostics;
using Prometheus;

namespace ArtifactStore.Server.Metrics;

/// <summary>
/// Exports what Core measures (<see cref="StoreMetrics"/>, a <see cref="Meter"/>) to a prometheus-net registry.
/// Core's instruments already carry Prometheus names, so each becomes a Prometheus metric of the same name:
/// a counter stays a counter, a histogram a histogram (seconds with latency buckets, counts with powers of two).
/// A metric's label names are those of its first measurement; Core always tags an instrument the same way.
/// </summary>
internal sealed class StoreMeterBridge : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly double[] CountBuckets = Histogram.ExponentialBuckets(1, 2, 11);

    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly ConcurrentDictionary<Instrument, Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>> _sinks = new();

    public StoreMeterBridge(IMetricFactory factory)
    {
        _factory = factory;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StoreMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_sinks.TryGetValue(instrument, out var sink))
        {
            sink = _sinks.GetOrAdd(instrument, Create(instrument, tags));
        }

        sink(value, tags);
    }

    private Action<double, ReadOnlySpan<KeyValuePair<string, object?>>> Create(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labelNames = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            labelNames[i] = tags[i].Key;
        }

        var help = instrument.Description ?? instrument.Name;
        if (instrument is Histogram<double> or Histogram<int> or Histogram<long>)
        {
            var histogram = _factory.CreateHistogram(instrument.Name, help, labelNames, new HistogramConfiguration
            {
                Buckets = instrument.Name.EndsWith("_seconds", StringComparison.Ordinal) ? SecondsBuckets : CountBuckets,
            });
            return (value, measured) => histogram.WithLabels(Values(labelNames, measured)).Observe(value);
        }

        var counter = _factory.CreateCounter(instrument.Name, help, labelNames);
        return (value, measured) => counter.WithLabels(Values(labelNames, measured)).Inc(value);
    }

    private static string[] Values(string[] labelNames, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var values = new string[labelNames.Length];
        for (var i = 0; i < labelNames.Length; i++)
        {
            values[i] = string.Empty;
            foreach (var tag in tags)
            {
                if (tag.Key == labelNames[i])
                {
                    values[i] = tag.Value?.ToString() ?? string.Empty;
                }
            }
        }

        return values;
    }
}

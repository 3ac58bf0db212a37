using ArtifactStore.Bench;

return args.FirstOrDefault() switch
{
    "retention" => await RetentionBenchmark.RunAsync(args[1..]),
    "jobs" => await JobBenchmark.RunAsync(args[1..]),
    "jobs-peers" => await JobPeersBenchmark.RunAsync(args[1..]),
    "scale-out" => await ScaleOutBenchmark.RunAsync(args[1..]),
    "small" => await SmallUploadBenchmark.RunAsync(args),
    "large-parts" => await LargeUploadBreakdown.RunAsync(args),
    "blake3" => Blake3Benchmark.Run(args),
    "downloads" => await DownloadBenchmark.RunAsync(args[1..]),
    "verify-digests" => VerifyDigestBenchmark.Run(args[1..]),
    "stream" => await StreamBenchmark.RunAsync(args),
    _ => await LargeTransferBenchmark.RunAsync(args),
};

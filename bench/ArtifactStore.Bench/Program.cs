using ArtifactStore.Bench;

return args.FirstOrDefault() switch
{
    "retention" => await RetentionBenchmark.RunAsync(args[1..]),
    "oci-tags" => await OciTagsBenchmark.RunAsync(args[1..]),
    "jobs" => await JobBenchmark.RunAsync(args[1..]),
    "jobs-peers" => await JobPeersBenchmark.RunAsync(args[1..]),
    "jobs-store" => await JobPeersBenchmark.RunStoreOnlyAsync(args[1..]),
    "scale-out" => await ScaleOutBenchmark.RunAsync(args[1..]),
    "small" => await SmallUploadBenchmark.RunAsync(args),
    "small-inprocess" => await SmallUploadInProcess.RunRoundsAsync(args[1..]),
    "large-parts" => await LargeUploadBreakdown.RunAsync(args),
    "blake3" => Blake3Benchmark.Run(args),
    "downloads" => await DownloadBenchmark.RunAsync(args[1..]),
    "verify-digests" => VerifyDigestBenchmark.Run(args[1..]),
    "resumable-digests" => ResumableDigestsBenchmark.Run(args[1..]),
    "stream" => await StreamBenchmark.RunAsync(args),
    "large" => await LargeTransferBenchmark.RunSingleAsync(args[1..]),
    "large-concurrent" => await LargeTransferBenchmark.RunConcurrentAsync(args[1..]),
    // A size in MiB alone is the single large upload, as before the modes had names.
    _ => await LargeTransferBenchmark.RunSingleAsync(args),
};

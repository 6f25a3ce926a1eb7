using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Http2Features.Benchmarks.FrameObserverBenchmarks).Assembly).Run(args);

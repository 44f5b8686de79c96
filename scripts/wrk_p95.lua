-- wrk prints the 50/75/90/99th percentiles; scripts/bench_web.sh also wants the 95th.
-- Prints "p95 <microseconds>" after wrk's own summary.
done = function(summary, latency, requests)
  io.write(string.format("p95 %d\n", latency:percentile(95)))
end

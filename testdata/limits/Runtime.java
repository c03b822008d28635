// Runtime.java: a JVM under a sandbox memory limit (tests/integration/limits, with
// `sbx run --memory 512m`, launched as a single source file): the JVM reserves its
// heap and code cache past the limit and sizes the heap from the machine's memory,
// which in the sandbox is the limit. Deterministic output, compared with a native run.
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class Runtime {
	public static void main(String[] args) throws Exception {
		List<int[]> keep = new ArrayList<>();
		for (int i = 0; i < 16; i++)
			keep.add(new int[256 * 1024]);  // 16 MiB in all
		ExecutorService pool = Executors.newFixedThreadPool(4);
		List<Callable<Long>> jobs = new ArrayList<>();
		for (int j = 0; j < 4; j++) {
			final int n = j;
			jobs.add(() -> {
				long s = 0;
				for (int i = 0; i < 1000000; i++)
					s += i % (n + 2);
				return s;
			});
		}
		long sum = 0;
		for (Future<Long> f : pool.invokeAll(jobs))
			sum += f.get();
		pool.shutdown();
		System.out.println("arrays " + keep.size() + " sum " + sum);
	}
}

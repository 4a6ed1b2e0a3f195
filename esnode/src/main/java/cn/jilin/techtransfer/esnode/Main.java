package cn.jilin.techtransfer.esnode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.LocalNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * Starts one Elasticsearch node bound to 127.0.0.1 and keeps it running until the JVM is told
 * to stop (SIGTERM runs the shutdown hook, which closes the node cleanly).
 *
 * Usage: Main --home DIR --http-port 9250 [--transport-port 9350] [--cluster-name name]
 *             [--node-name node-1] [--seed-hosts 127.0.0.1:9370,127.0.0.1:9371 --initial-masters node-1,node-2]
 *
 * Without --seed-hosts the node is a cluster of its own (discovery.type single-node); with it,
 * the node joins the nodes at those transport addresses, and --initial-masters names the
 * master-eligible nodes of the first election (cluster.initial_master_nodes).
 */
public final class Main {

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        Path home = Path.of(opts.getOrDefault("--home", "target/es-home")).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("modules"));
        Files.createDirectories(home.resolve("plugins"));

        String nodeName = opts.getOrDefault("--node-name", "node-1");
        Settings.Builder builder = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", opts.getOrDefault("--cluster-name", "techtransfer-test"))
            .put("node.name", nodeName)
            .put("network.host", "127.0.0.1")
            .put("http.port", opts.getOrDefault("--http-port", "9250"))
            .put("transport.port", opts.getOrDefault("--transport-port", "9350"))
            // a test machine's disk may be fuller than production watermarks allow
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.destructive_requires_name", false)
            .put("http.cors.enabled", false);
        String seeds = opts.get("--seed-hosts");
        if (seeds == null) {
            builder.put("discovery.type", "single-node");
        } else {
            builder.putList("discovery.seed_hosts", List.of(seeds.split(",")));
            builder.putList("cluster.initial_master_nodes", List.of(opts.getOrDefault("--initial-masters", nodeName).split(",")));
        }
        Settings settings = builder.build();

        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(nodeName);
        LogConfigurator.configureWithoutConfig(settings);

        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"), () -> nodeName);
        Node node = new LocalNode(env, List.of(Netty4Plugin.class, AnalysisSubsetPlugin.class));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "esnode-shutdown"));
        node.start();
        System.out.println("esnode started: http://127.0.0.1:" + settings.get("http.port"));
        stopped.await();
    }

    private static Map<String, String> parse(String[] args) {
        java.util.HashMap<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
            }
            out.put(args[i], args[i + 1]);
        }
        return out;
    }
}

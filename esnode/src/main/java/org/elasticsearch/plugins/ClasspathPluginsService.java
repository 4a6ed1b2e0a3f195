package org.elasticsearch.plugins;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.jdk.ModuleQualifiedExportsService;

/**
 * Loads plugin classes that are already on the class path (netty4 for HTTP, our analysis
 * subset) and reports them as modules, the way a distribution reports its bundled modules.
 * Package-private members of PluginsService are why this class sits in this package.
 */
public class ClasspathPluginsService extends PluginsService {

    private final List<LoadedPlugin> loaded;
    private final PluginsAndModules info;

    public ClasspathPluginsService(Settings settings, Environment env, Collection<Class<? extends Plugin>> classes) {
        super(settings, env.configFile(), env.modulesFile(), env.pluginsFile());
        List<LoadedPlugin> all = new ArrayList<>(super.plugins());
        List<PluginDescriptor> modules = new ArrayList<>(super.info().getModuleInfos());
        for (Class<? extends Plugin> cls : classes) {
            Plugin plugin = loadPlugin(cls, settings, env.configFile());
            PluginDescriptor descriptor = new PluginDescriptor(
                cls.getSimpleName(), "loaded from the class path", "NA", "8.14.3",
                Integer.toString(Runtime.version().feature()), cls.getName(), null,
                List.of(), false, false, false, false);
            all.add(new LoadedPlugin(descriptor, plugin));
            modules.add(descriptor);
        }
        this.loaded = List.copyOf(all);
        this.info = new PluginsAndModules(super.info().getPluginInfos(), modules);
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return loaded;
    }

    @Override
    public PluginsAndModules info() {
        return info;
    }

    @Override
    protected void addServerExportsService(Map<String, List<ModuleQualifiedExportsService>> exports) {
        // Everything shares one class loader here: there are no module layers to export to.
    }
}

package org.elasticsearch.node;

import java.util.Collection;

import org.elasticsearch.env.Environment;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsService;

/**
 * A stock Elasticsearch node whose plugins come from the class path instead of a
 * distribution's modules/ folder. It lives in this package because the hook that
 * chooses the plugins service (NodeServiceProvider) is package-private.
 */
public class LocalNode extends Node {

    public LocalNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, Settings settings) {
                return new ClasspathPluginsService(settings, env, plugins);
            }
        }, true));
    }
}

package cn.jilin.techtransfer.esnode;

import java.io.Reader;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.cjk.CJKWidthFilter;
import org.apache.lucene.analysis.cn.smart.HMMChineseTokenizer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractCharFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.NormalizingCharFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenizerFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The few analysis components our mappings use that a stock Elasticsearch distribution ships in
 * its analysis-common module (cjk_bigram, cjk_width, porter_stem, asciifolding,
 * english_possessive, the keyword tokenizer, the mapping char filter) and in the official analysis-smartcn plugin (smartcn_tokenizer). The
 * module itself is not on Maven Central, so this plugin registers the same names with the same
 * parameters over the same Lucene classes: a mapping that works here works unchanged on a
 * production cluster.
 */
public class AnalysisSubsetPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "cjk_bigram", (indexSettings, env, name, settings) -> new CjkBigram(name, settings),
            "cjk_width", (indexSettings, env, name, settings) -> simple(name, settings, CJKWidthFilter::new),
            "porter_stem", (indexSettings, env, name, settings) -> simple(name, settings, PorterStemFilter::new),
            "english_possessive", (indexSettings, env, name, settings) -> simple(name, settings, EnglishPossessiveFilter::new),
            "asciifolding", (indexSettings, env, name, settings) -> new AsciiFolding(name, settings)
        );
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        // as analysis-common registers it: built only where an index configures it
        return Map.of("mapping", AnalysisPlugin.requiresAnalysisSettings(
            (indexSettings, env, name, settings) -> new Mapping(name, Analysis.getWordList(env, settings, "mappings"))));
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of(
            "smartcn_tokenizer", (indexSettings, env, name, settings) -> new AbstractTokenizerFactory(indexSettings, settings, name) {
                @Override
                public Tokenizer create() {
                    return new HMMChineseTokenizer();
                }
            },
            "keyword", (indexSettings, env, name, settings) -> new AbstractTokenizerFactory(indexSettings, settings, name) {
                private final int bufferSize = settings.getAsInt("buffer_size", 256);

                @Override
                public Tokenizer create() {
                    return new KeywordTokenizer(bufferSize);
                }
            }
        );
    }

    private interface Wrap {
        TokenStream apply(TokenStream in);
    }

    private static TokenFilterFactory simple(String name, Settings settings, Wrap wrap) {
        return new AbstractTokenFilterFactory(name, settings) {
            @Override
            public TokenStream create(TokenStream in) {
                return wrap.apply(in);
            }
        };
    }

    /** cjk_bigram with its two documented parameters, ignored_scripts and output_unigrams. */
    static final class CjkBigram extends AbstractTokenFilterFactory {
        private final int flags;
        private final boolean outputUnigrams;

        CjkBigram(String name, Settings settings) {
            super(name, settings);
            outputUnigrams = settings.getAsBoolean("output_unigrams", false);
            int f = CJKBigramFilter.HAN | CJKBigramFilter.HIRAGANA | CJKBigramFilter.KATAKANA | CJKBigramFilter.HANGUL;
            List<String> ignored = settings.getAsList("ignored_scripts");
            for (String script : ignored) {
                switch (script.toLowerCase(Locale.ROOT)) {
                    case "han" -> f &= ~CJKBigramFilter.HAN;
                    case "hiragana" -> f &= ~CJKBigramFilter.HIRAGANA;
                    case "katakana" -> f &= ~CJKBigramFilter.KATAKANA;
                    case "hangul" -> f &= ~CJKBigramFilter.HANGUL;
                    default -> throw new IllegalArgumentException("unknown script [" + script + "] in ignored_scripts");
                }
            }
            flags = f;
        }

        @Override
        public TokenStream create(TokenStream in) {
            return flags == 0 ? in : new CJKBigramFilter(in, flags, outputUnigrams);
        }
    }

    static final class AsciiFolding extends AbstractTokenFilterFactory {
        private final boolean preserveOriginal;

        AsciiFolding(String name, Settings settings) {
            super(name, settings);
            preserveOriginal = settings.getAsBoolean("preserve_original", false);
        }

        @Override
        public TokenStream create(TokenStream in) {
            return new ASCIIFoldingFilter(in, preserveOriginal);
        }
    }

    /**
     * The mapping char filter with analysis-common's rule syntax ("from => to", both sides
     * trimmed, escapes \\ \n \t \r \b \f \\uXXXX), over Lucene's MappingCharFilter.
     */
    static final class Mapping extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
        private static final Pattern RULE = Pattern.compile("(.*)\\s*=>\\s*(.*)\\s*$");
        private final NormalizeCharMap map;

        Mapping(String name, List<String> rules) {
            super(name);
            if (rules == null) {
                throw new IllegalArgumentException("mapping requires either `mappings` or `mappings_path` to be configured");
            }
            NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
            for (String rule : rules) {
                Matcher m = RULE.matcher(rule);
                if (m.find() == false) {
                    throw new RuntimeException("Invalid Mapping Rule : [" + rule + "]");
                }
                String lhs = unescape(m.group(1).trim());
                String rhs = unescape(m.group(2).trim());
                if (lhs == null || rhs == null) {
                    throw new RuntimeException("Invalid Mapping Rule : [" + rule + "]. Illegal mapping.");
                }
                builder.add(lhs, rhs);
            }
            map = builder.build();
        }

        @Override
        public Reader create(Reader reader) {
            return new MappingCharFilter(map, reader);
        }

        private static String unescape(String s) {
            StringBuilder out = new StringBuilder(s.length());
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '\\') {
                    if (i >= s.length()) {
                        throw new RuntimeException("Invalid escaped char in [" + s + "]");
                    }
                    c = s.charAt(i++);
                    switch (c) {
                        case '\\' -> c = '\\';
                        case 'n' -> c = '\n';
                        case 't' -> c = '\t';
                        case 'r' -> c = '\r';
                        case 'b' -> c = '\b';
                        case 'f' -> c = '\f';
                        case 'u' -> {
                            if (i + 3 >= s.length()) {
                                throw new RuntimeException("Invalid escaped char in [" + s + "]");
                            }
                            c = (char) Integer.parseInt(s.substring(i, i + 4), 16);
                            i += 4;
                        }
                        default -> { }
                    }
                }
                out.append(c);
            }
            return out.toString();
        }
    }
}

package dev.nettyshm.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * A grouped bar chart saved as a PNG: one group per category (a message size), one bar per series (a transport),
 * each bar labelled with its value, on a logarithmic value axis — the values span several powers of ten.
 *
 * <p>Fonts and colours are the chart theme's: the benchmarks compile inside the library's module, which does not
 * read {@code java.desktop}, so no code here may touch an AWT type.
 */
final class BarChart {

    static final int WIDTH = 900;
    static final int HEIGHT = 500;

    private BarChart() {
    }

    /**
     * Draws {@code values} — by series, then category, in the order of their maps; a category a series lacks
     * leaves a gap — each bar labelled in the {@link DecimalFormat} {@code valuePattern}, and writes the PNG to
     * {@code file}.
     */
    static void save(Path file, String title, String categoryAxis, String valueAxis, String valuePattern,
            Map<String, Map<String, Double>> values) throws IOException {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        values.forEach((series, byCategory) -> byCategory.forEach((category, value) ->
                dataset.addValue(value, series, category)));
        JFreeChart chart = ChartFactory.createBarChart(title, categoryAxis, valueAxis, dataset);
        CategoryPlot plot = chart.getCategoryPlot();

        LogAxis range = new LogAxis(valueAxis);
        range.setBase(10);
        range.setNumberFormatOverride(format("#,##0.##"));
        // A tick at each power of ten; the unit of a logarithmic axis is a power of its base.
        range.setTickUnit(new NumberTickUnit(1));
        range.setMinorTickMarksVisible(true);
        // Room above the tallest bar for its label.
        range.setUpperMargin(0.3);
        plot.setRangeAxis(range);
        CategoryAxis domain = plot.getDomainAxis();
        domain.setCategoryMargin(0.15);

        BarRenderer bars = (BarRenderer) plot.getRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.03);
        // Bars on a logarithmic axis grow from its lower bound, not from zero.
        bars.setIncludeBaseInRange(false);
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", format(valuePattern)));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12,
                TextAnchor.CENTER_LEFT, TextAnchor.CENTER_LEFT, -Math.PI / 2));

        plot.setOutlineVisible(false);
        chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    private static DecimalFormat format(String pattern) {
        return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
    }
}

package dev.mvcert.agent.report;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A report page parsed as XML. The page is written to be well-formed XML, so any name that
 * escaped unescaped ({@code <}, {@code &}, a quote in an attribute) makes parsing fail, and
 * attribute values come back decoded: equal to the database's names only if escaping was right.
 */
public final class ReportDocument {

    private final Document document;

    private ReportDocument(Document document) {
        this.document = document;
    }

    public static ReportDocument parse(String html) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return new ReportDocument(b.parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8))));
        } catch (Exception e) {
            throw new AssertionError("the report is not well-formed: " + e.getMessage(), e);
        }
    }

    /** Elements matching an XPath expression (local names, no namespaces: use *[local-name()='g'] for SVG). */
    public List<Element> all(String xpath) {
        try {
            NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, document, XPathConstants.NODESET);
            List<Element> elements = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                elements.add((Element) nodes.item(i));
            }
            return elements;
        } catch (Exception e) {
            throw new AssertionError("bad XPath " + xpath + ": " + e.getMessage(), e);
        }
    }

    public Element one(String xpath) {
        List<Element> found = all(xpath);
        if (found.size() != 1) {
            throw new AssertionError("expected one element at " + xpath + ", found " + found.size());
        }
        return found.get(0);
    }

    /** data-view -> data-outcome of the rows of the views table. */
    public Map<String, String> tableOutcomes() {
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (Element row : all("//table[@id='views-table']/tbody/tr")) {
            outcomes.put(row.getAttribute("data-view"), row.getAttribute("data-outcome"));
        }
        return outcomes;
    }

    /** data-view -> data-outcome of the nodes of the closure graph. */
    public Map<String, String> graphOutcomes() {
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (Element node : all("//*[local-name()='g' and @class='node']")) {
            outcomes.put(node.getAttribute("data-view"), node.getAttribute("data-outcome"));
        }
        return outcomes;
    }
}

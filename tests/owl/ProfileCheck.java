// Checks an ontology document against the OWL 2 DL profile with the OWL API's profile checker
// and classifies it with the HermiT reasoner; both come in HermiT.jar, which the PyPI package
// owlready2 ships. Usage: java -cp HermiT.jar ProfileCheck.java FILE
// Prints one line per profile violation, one line per datatype outside the OWL 2 datatype map
// ("custom datatype: IRI"; HermiT treats those as opaque), then "consistent: true|false" once
// HermiT has classified the ontology. Exit 0 when it ran.
import java.io.File;
import org.semanticweb.HermiT.Configuration;
import org.semanticweb.HermiT.Reasoner;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLDatatype;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.reasoner.InferenceType;
import org.semanticweb.owlapi.vocab.OWL2Datatype;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation v : report.getViolations()) {
            System.out.println("violation: " + v.toString().replace('\n', ' '));
        }
        for (OWLDatatype d : ontology.getDatatypesInSignature()) {
            if (!OWL2Datatype.isBuiltIn(d.getIRI())) {
                System.out.println("custom datatype: " + d.getIRI());
            }
        }
        Configuration configuration = new Configuration();
        configuration.ignoreUnsupportedDatatypes = true;
        Reasoner reasoner = new Reasoner(configuration, ontology);
        reasoner.precomputeInferences(InferenceType.CLASS_HIERARCHY);
        System.out.println("consistent: " + reasoner.isConsistent());
    }
}

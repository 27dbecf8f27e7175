// Validate N-Triples data files against an N-Triples shapes file with shacl-engine, the SHACL
// engine of the RDF/JS tools. Usage: node validate.mjs SHAPES.nt DATA.nt...
// Prints one JSON object per data file, one per line:
// {"data": path, "conforms": bool, "report": the validation report as N-Triples}
import { readFileSync } from 'node:fs'
import rdfDataModel from '@rdfjs/data-model'
import rdfDataset from '@rdfjs/dataset'
import toNT from '@rdfjs/to-ntriples'
import { Parser } from 'n3'
import Validator from 'shacl-engine/Validator.js'

const factory = {
  namedNode: (value) => rdfDataModel.namedNode(value),
  blankNode: (value) => rdfDataModel.blankNode(value),
  literal: (value, languageOrDatatype) => rdfDataModel.literal(value, languageOrDatatype),
  variable: (value) => rdfDataModel.variable(value),
  defaultGraph: () => rdfDataModel.defaultGraph(),
  quad: (s, p, o, g) => rdfDataModel.quad(s, p, o, g),
  dataset: (quads) => rdfDataset.dataset(quads)
}

function load (path) {
  const dataset = rdfDataset.dataset()
  const parser = new Parser({ format: 'N-Triples', factory: rdfDataModel })
  for (const quad of parser.parse(readFileSync(path, 'utf8'))) dataset.add(quad)
  return dataset
}

const [shapesPath, ...dataPaths] = process.argv.slice(2)
const validator = new Validator(load(shapesPath), { factory })
for (const dataPath of dataPaths) {
  const report = await validator.validate({ dataset: load(dataPath) })
  const triples = [...report.dataset].map((quad) => toNT(quad)).join('\n')
  process.stdout.write(JSON.stringify({ data: dataPath, conforms: report.conforms, report: triples }) + '\n')
}

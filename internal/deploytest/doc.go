// Package deploytest holds tests only: they check the pipeline assets users copy or
// reference (the GitHub Action at action.yml, the workflow, Azure Pipelines and GitLab
// CI templates under deploy/pipelines): each YAML file parses, has the keys its CI
// system needs, puts no secret on a command line, and the README's copies of them are
// the files themselves. The example configurations load with internal/config.
//
// The Helm chart is tested in its own module (deploy/, with Helm's Go packages), so
// this module never imports Helm.
package deploytest

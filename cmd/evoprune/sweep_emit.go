package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/results"
)

// emitSpec is what an emitted job runs: the sweep in shards shards, shard
// index taken from an environment variable of the scheduler.
type emitSpec struct {
	name    string // job name
	bin     string // the evoprune command
	sweep   string // sweep file, as the user gave it
	out     string
	shards  int
	workers int // passed on when > 1
	threads int // passed on when > 0
	cpus    int // per shard
	image   string
	pvc     string
}

// emitJob writes the --emit job to stdout or --emit-out.
func emitJob(cmd *cobra.Command, path string, trials []config.Trial, f sweepFlags) error {
	if f.shard != "" {
		return usage(fmt.Errorf("--shard and --emit: the emitted job sets each task's shard"))
	}
	s := emitSpec{name: jobName(path), bin: f.binPath, sweep: path, out: f.out, shards: f.shards,
		workers: f.workers, threads: f.threads, image: f.image, pvc: f.pvc}
	if !cmd.Flags().Changed("shards") {
		s.shards = len(trials)
	}
	if s.shards < 1 {
		return usage(fmt.Errorf("--shards %d: must be >= 1", s.shards))
	}
	// A shard's trials use the threads budget; the scheduler should grant it.
	s.cpus = f.threads
	if s.cpus == 0 && len(trials) > 0 {
		s.cpus = max(trials[0].Experiment.Threads, 1)
	}
	var b bytes.Buffer
	var err error
	switch f.emit {
	case "k8s":
		if !cmd.Flags().Changed("out") {
			s.out = "/runs"
		}
		err = emitK8s(&b, s)
	case "slurm":
		if f.pvc != "" || cmd.Flags().Changed("image") {
			return usage(fmt.Errorf("--image and --pvc are for --emit k8s"))
		}
		err = emitSlurm(&b, s)
	default:
		return usage(fmt.Errorf("--emit %q: want k8s or slurm", f.emit))
	}
	if err != nil {
		return err
	}
	if f.emitOut == "" {
		_, err = cmd.OutOrStdout().Write(b.Bytes())
		return err
	}
	if err := results.WriteFileAtomic(f.emitOut, b.Bytes()); err != nil {
		return fmt.Errorf("--emit-out: %w", err)
	}
	return nil
}

// command is the shell command line of one shard; indexVar names the
// environment variable that holds the shard index.
func (s emitSpec) command(indexVar string) string {
	args := []string{shellQuote(s.bin), "sweep", shellQuote(s.sweep), "--out", shellQuote(s.out)}
	if s.workers > 1 {
		args = append(args, "--workers", strconv.Itoa(s.workers))
	}
	if s.threads > 0 {
		args = append(args, "--threads", strconv.Itoa(s.threads))
	}
	args = append(args, "--shard", fmt.Sprintf(`"$%s/%d"`, indexVar, s.shards))
	return "exec " + strings.Join(args, " ")
}

// emitSlurm writes an sbatch script for a job array of s.shards tasks.
func emitSlurm(w io.Writer, s emitSpec) error {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "# evoprune sweep %s in %d shards: submit with sbatch. Submitting again\n", s.sweep, s.shards)
	b.WriteString("# skips finished trials and resumes interrupted ones.\n")
	fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", s.name)
	fmt.Fprintf(&b, "#SBATCH --array=0-%d\n", s.shards-1)
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", s.cpus)
	b.WriteString("#SBATCH --output=slurm-%A_%a.out\n")
	b.WriteString("set -euo pipefail\n")
	b.WriteString(s.command("SLURM_ARRAY_TASK_ID") + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// shellQuote quotes s for sh unless it is plainly safe.
func shellQuote(s string) string {
	if s != "" && shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`)

// jobName derives a Kubernetes-valid (DNS-1123 label) job name from the
// sweep file: "evoprune-" and the file's base name. Kept to 52 characters
// so that pod names, which add "-<index>-<suffix>", stay valid.
func jobName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(base) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if ok {
			b.WriteRune(r)
		} else if !dash {
			b.WriteByte('-')
		}
		dash = !ok
	}
	name := strings.Trim("evoprune-"+strings.Trim(b.String(), "-"), "-")
	if len(name) > 52 {
		name = strings.TrimRight(name[:52], "-")
	}
	return name
}

// emitK8s writes a batch/v1 Indexed Job with one completion per shard.
func emitK8s(w io.Writer, s emitSpec) error {
	labels := map[string]string{"app": "evoprune", "evoprune/sweep": s.name}
	c := k8sContainer{
		Name:    "evoprune",
		Image:   s.image,
		Command: []string{"sh", "-c", s.command("JOB_COMPLETION_INDEX")},
		Resources: k8sResources{Requests: map[string]string{"cpu": strconv.Itoa(s.cpus)},
			Limits: map[string]string{"cpu": strconv.Itoa(s.cpus)}},
	}
	pod := k8sPodSpec{RestartPolicy: "Never", Containers: []k8sContainer{c}}
	if s.pvc != "" {
		pod.Containers[0].VolumeMounts = []k8sMount{{Name: "runs", MountPath: s.out}}
		pod.Volumes = []k8sVolume{{Name: "runs", PersistentVolumeClaim: &k8sClaim{ClaimName: s.pvc}}}
	}
	job := k8sJob{
		APIVersion: "batch/v1",
		Kind:       "Job",
		Metadata:   k8sMeta{Name: s.name, Labels: labels},
		Spec: k8sJobSpec{
			CompletionMode: "Indexed",
			Completions:    s.shards,
			Parallelism:    s.shards,
			Template:       k8sTemplate{Metadata: k8sMeta{Labels: labels}, Spec: pod},
		},
	}
	var doc yaml.Node
	if err := doc.Encode(job); err != nil {
		return fmt.Errorf("emit k8s: %w", err)
	}
	doc.HeadComment = fmt.Sprintf("evoprune sweep %s in %d shards: kubectl apply -f this file.\n"+
		"The image (the repository's Dockerfile: docker build -t evoprune:latest .,\n"+
		"then tag and push it) must hold the sweep and base files at the paths\n"+
		"below (it holds the repository at /evoprune, its working directory), and\n"+
		"%s should be persistent (--pvc) or the runs are lost with the pods;\n"+
		"a retried shard skips finished trials and resumes interrupted ones.", s.sweep, s.shards, s.out)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("emit k8s: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("emit k8s: %w", err)
	}
	return nil
}

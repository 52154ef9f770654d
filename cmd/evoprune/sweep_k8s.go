package main

// The subset of the Kubernetes API that an emitted sweep Job uses; field
// names follow batch/v1 and core/v1 so the YAML is what kubectl expects.

type k8sJob struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   k8sMeta    `yaml:"metadata"`
	Spec       k8sJobSpec `yaml:"spec"`
}

type k8sMeta struct {
	Name   string            `yaml:"name,omitempty"`
	Labels map[string]string `yaml:"labels,omitempty"`
}

type k8sJobSpec struct {
	CompletionMode string      `yaml:"completionMode"`
	Completions    int         `yaml:"completions"`
	Parallelism    int         `yaml:"parallelism"`
	Template       k8sTemplate `yaml:"template"`
}

type k8sTemplate struct {
	Metadata k8sMeta    `yaml:"metadata"`
	Spec     k8sPodSpec `yaml:"spec"`
}

type k8sPodSpec struct {
	RestartPolicy string         `yaml:"restartPolicy"`
	Containers    []k8sContainer `yaml:"containers"`
	Volumes       []k8sVolume    `yaml:"volumes,omitempty"`
}

type k8sContainer struct {
	Name         string       `yaml:"name"`
	Image        string       `yaml:"image"`
	Command      []string     `yaml:"command"`
	Resources    k8sResources `yaml:"resources"`
	VolumeMounts []k8sMount   `yaml:"volumeMounts,omitempty"`
}

type k8sResources struct {
	Requests map[string]string `yaml:"requests,omitempty"`
	Limits   map[string]string `yaml:"limits,omitempty"`
}

type k8sMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
}

type k8sVolume struct {
	Name                  string    `yaml:"name"`
	PersistentVolumeClaim *k8sClaim `yaml:"persistentVolumeClaim,omitempty"`
}

type k8sClaim struct {
	ClaimName string `yaml:"claimName"`
}

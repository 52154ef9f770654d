package model

import (
	"errors"
	"fmt"

	"github.com/sugarme/gotch"
)

// ErrNoCUDA says "cuda" was asked for where libtorch sees no CUDA device.
var ErrNoCUDA = errors.New("cuda requested but libtorch sees no CUDA device")

// Device maps a device setting (auto | cpu | cuda) to a libtorch device:
// auto takes CUDA where libtorch sees it, cuda insists on it.
func Device(name string) (gotch.Device, error) {
	switch name {
	case "cpu":
		return gotch.CPU, nil
	case "auto", "":
		return gotch.CudaIfAvailable(), nil
	case "cuda":
		if d := gotch.CudaIfAvailable(); d != gotch.CPU {
			return d, nil
		}
		return gotch.CPU, ErrNoCUDA
	}
	return gotch.CPU, fmt.Errorf("device %q: auto | cpu | cuda", name)
}

// DeviceName names a device as the device setting does.
func DeviceName(d gotch.Device) string {
	if d == gotch.CPU {
		return "cpu"
	}
	return "cuda"
}

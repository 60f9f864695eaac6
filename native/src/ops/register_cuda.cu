// Fills the registry with every op family's CUDA kernels (device pointers, same signatures as the
// CPU kernels). Each family defines register_<family>_cuda() in its <family>_cuda*.cu file.
namespace nodulab {

void register_activation_cuda();
void register_conv3d_cuda_fwd();
void register_conv3d_cuda_bwd();
void register_matmul_cuda();
void register_pool3d_cuda();
void register_batchnorm_cuda();
void register_elementwise_cuda();
void register_softmax_cuda();
void register_contrastive_cuda();

void register_cuda_kernels() {
  register_activation_cuda();
  register_conv3d_cuda_fwd();
  register_conv3d_cuda_bwd();
  register_matmul_cuda();
  register_pool3d_cuda();
  register_batchnorm_cuda();
  register_elementwise_cuda();
  register_softmax_cuda();
  register_contrastive_cuda();
}

}  // namespace nodulab
